"""Every limit and threshold in one place, with sane defaults.

Stages read their numbers from a :class:`Settings` passed in (default: ``Settings()``), so a test or a
lender can change one number without touching code. Environment variables prefixed ``DOCSENTRY_``
override the storage and broker settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class IntakeLimits(BaseModel):
    """What a bundle may hold before a file is refused as hostile or oversized."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_bundle_files: int = 200
    max_zip_total_bytes: int = 500 * 1024 * 1024
    """Sum of the uncompressed sizes a zip may declare (zip-bomb guard)."""
    max_zip_ratio: float = 200.0
    """Uncompressed / compressed size above which a zip member is treated as a bomb."""
    max_pages: int = 60
    max_image_pixels: int = 120_000_000
    """Pixels per page image (decompression-bomb guard); 300 dpi A4 is ~8.7M."""


class ReadingSettings(BaseModel):
    render_dpi: int = 300
    min_text_chars: int = 20
    """A PDF page with fewer text-layer characters than this is treated as a scan and OCR'd."""
    ocr_language: str = "eng"
    ocr_timeout_s: float = 120.0
    ocr_engine: Literal["auto", "tesserocr", "cli"] = "auto"
    """``auto``: in-process tesserocr where it loads (no process start per call), else the binary."""


Product = Literal["auto", "mortgage", "personal"]
"""The loan products a lender submits; per-product thresholds are keyed by these names."""

DocumentRequirement = Literal["identity", "recent_pay_stub", "latest_statement", "statements_3_months", "tax_form"]
"""A document requirement the ``doc_missing`` rule knows how to check."""


_SELF_EMPLOYED: tuple[DocumentRequirement, ...] = ("identity", "statements_3_months", "tax_form")
_DEFAULT_REQUIREMENTS: dict[str, tuple[DocumentRequirement, ...]] = {
    "employee": ("identity", "recent_pay_stub", "latest_statement"),
    "self_employed": _SELF_EMPLOYED,
    "business_owner": _SELF_EMPLOYED,
    "freelancer": _SELF_EMPLOYED,
}
_DEFAULT_PRODUCT_OVERRIDES: dict[Product, dict[str, Any]] = {
    "auto": {"max_dti": 0.45, "max_ltv": 1.20},
    "mortgage": {"max_dti": 0.43, "max_ltv": 0.95},
    "personal": {"max_dti": 0.40, "max_ltv": None},
}


class RuleSettings(BaseModel):
    """Every threshold of the rule stage: one named number per check, none hard-coded in a rule.

    Base values apply to every product; ``product_overrides`` replaces some of them for one product
    (``for_product``), so a lender tunes "mortgage DTI" without touching auto or personal loans.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- Freshness (DOC_STALE, DOC_MISSING) ---------------------------------------------------
    paystub_max_age_days: int = 60
    """The newest pay stub per employer must be paid within this many days of submission."""
    statement_max_age_days: int = 90
    """The newest statement per account must end within this many days of submission."""
    required_paystub_max_age_days: int = 30
    """DOC_MISSING: an employee needs a pay stub paid within this many days before submission."""
    latest_statement_max_age_days: int = 45
    """DOC_MISSING: "the latest monthly statement" ends within this many days (a month plus mailing)."""
    statements_history_days: int = 84
    """DOC_MISSING: "3 months of statements" means their periods together cover this many days
    (three statement cycles of 28 days: February-length cycles must not count as short)."""
    required_documents: dict[str, tuple[DocumentRequirement, ...]] = Field(
        default_factory=lambda: dict(_DEFAULT_REQUIREMENTS))
    """Requirements per declared occupation type; an undeclared occupation gets the ones all share."""

    # --- Identity documents (ID_MRZ_MISMATCH, ID_NUMBER_MISMATCH) ------------------------------
    ocr_low_confidence: float = 0.90
    """Below this field confidence a one-character look-alike slip between printed zone and MRZ is
    put down to OCR; above it the printed characters are trusted and a slip is a finding."""
    ocr_doubted_confidence: float = 0.70
    """Below this confidence OCR itself doubted what it read. A printed-zone name (a scrap of
    background read as "if") is then not compared with the MRZ, and a sum or a YTD figure that does
    not add up on a doubted figure is a low finding: it cannot show the document disagrees."""
    mrz_name_lost_glyphs: int = 2
    """An OCR'd MRZ name that is the printed name with at most this many letters lost is the same name."""
    mrz_name_misread_min_letters: int = 5
    """...and so is one with a single letter read as another in a word at least this long."""
    min_identifier_length_for_slip: int = 6
    ocr_address_min_similarity: float = 0.9
    """An OCR'd address with the declared street number and ZIP whose text is at least this similar
    (normalised Levenshtein, 0..1) is garbled letters of the same address ("Ress Telrace" for Ross Terrace)."""
    """Shorter numbers carry too little redundancy for a one-character slip to be "probably OCR"."""

    # --- Money arithmetic (PAYSTUB_ARITHMETIC, STATEMENT_*) ------------------------------------
    money_tolerance: float = 0.02
    """Absolute difference in a sum that is rounding, not a finding (a one-cent slip is nothing)."""
    line_item_rounding: float = 0.005
    """Per line item added to the tolerance when many rounded lines are summed."""
    arithmetic_minor_limit: float = 1.00
    """A pay-stub difference up to this amount is a low-severity finding; above it, high."""
    statement_max_gap_days: int = 3
    """STATEMENT_DISCONTINUITY: days allowed between one statement's end and the next's start."""

    # --- Pay stub plausibility (PAYSTUB_YTD_INCONSISTENT, PAYSTUB_TAX_IMPLAUSIBLE) -------------
    ytd_plausibility_factor: float = 2.0
    """YTD gross may reach this multiple of (pay periods so far x this period's gross): generous so
    that raises, overtime and a bonus earlier in the year are not findings."""
    social_security_rate: float = 0.062
    social_security_wage_base: float = 184_500.0
    """2026 Social Security wage base; no SS is withheld on wages above it in a calendar year."""
    medicare_rate: float = 0.0145
    additional_medicare_rate: float = 0.009
    additional_medicare_threshold: float = 200_000.0
    """Employers withhold the additional Medicare tax on wages above this in a calendar year."""
    tax_tolerance: float = 0.05
    """Cents of rounding allowed on a statutory tax line."""

    # --- Income (INCOME_NOT_DEPOSITED, INCOME_OVERSTATED) --------------------------------------
    deposit_amount_tolerance: float = 0.01
    """A payroll credit matches a pay stub's net pay within this fraction of it."""
    deposit_window_business_days: int = 5
    """A payroll credit may land this many business days before or after the pay date."""
    income_overstatement_tolerance: float = 0.10
    """Declared monthly income may exceed verified income by this fraction."""
    income_overstatement_high: float = 0.50
    """Above this excess fraction the overstatement is high severity."""

    # --- Affordability (DTI_EXCEEDED, LTV_EXCEEDED) --------------------------------------------
    max_dti: float = 0.45
    """(existing monthly debt + new payment) / verified monthly gross income; overridden per product."""
    max_ltv: float | None = None
    """Loan amount / collateral value; None means the product is not collateralised (no check)."""

    # --- Money flows (AML_*) -------------------------------------------------------------------
    cash_reporting_threshold: float = 10_000.0
    """The currency transaction report threshold that structuring stays under."""
    structuring_lower_fraction: float = 0.80
    """A cash deposit from this fraction of the threshold up to the threshold is "just under"."""
    structuring_min_count: int = 3
    structuring_window_days: int = 10
    cash_deposit_keywords: tuple[str, ...] = (
        "CASH DEP", "CASH DEPOSIT", "ATM DEPOSIT", "ATM DEP", "ATM CASH", "BRANCH DEPOSIT", "BRANCH DEP",
        "COUNTER CREDIT", "COUNTER DEPOSIT", "TELLER DEPOSIT", "TELLER DEP", "CURRENCY DEPOSIT",
    )
    payroll_keywords: tuple[str, ...] = (
        "PAYROLL", "PAYRL", "PYRL", "DIR DEP", "DIRECT DEP", "DIRECT DEPOSIT", "SALARY", "WAGES", "NET PAY",
        "ADP", "GUSTO", "PAYCHEX", "PAYLOCITY", "PAYCOM", "TRINET", "RIPPLING", "JUSTWORKS", "CERIDIAN",
    )
    """Words that make a credit look like pay (employer name or payroll processor aside)."""
    large_deposit_income_multiple: float = 3.0
    """A non-payroll credit above this multiple of median monthly income is unexplained."""
    own_transfer_keywords: tuple[str, ...] = (
        "TRANSFER FROM SAV", "TRANSFER FROM CHK", "TRANSFER FROM CHECKING", "TRANSFER FROM SAVINGS",
        "OWN ACCOUNT", "BETWEEN ACCOUNTS", "INTERNAL TRANSFER", "XFER FROM SAV", "XFER FROM CHK",
    )
    """Descriptions that clearly label a transfer between the applicant's own accounts."""

    # --- Forensics (PDF_EDITED, PDF_FONT_ANOMALY, TEXT_LAYER_MISMATCH, IMAGE_TAMPERED) --------
    forensic_low_score: float = 0.2
    """Combined signal strength (1 - product of (1 - strength)) from which a forensic finding is
    reported, as low severity."""
    forensic_medium_score: float = 0.5
    forensic_high_score: float = 0.8
    forensic_weak_cap: Literal["low", "medium"] = "medium"
    """Most severe a finding may be when no signal touches what the page shows (metadata,
    producer, bare incremental update): a re-saved or compressed file is not a forgery."""

    product_overrides: dict[Product, dict[str, Any]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in _DEFAULT_PRODUCT_OVERRIDES.items()})
    """Per-product replacements of the fields above (validated: an unknown name is an error)."""

    @model_validator(mode="after")
    def _overrides_name_fields(self) -> RuleSettings:
        for product, overrides in self.product_overrides.items():
            unknown = set(overrides) - set(type(self).model_fields) - {"product_overrides"}
            if unknown or "product_overrides" in overrides:
                raise ValueError(f"product_overrides[{product!r}] names unknown settings: {sorted(unknown)}")
        return self

    def for_product(self, product: str | None) -> RuleSettings:
        """These settings with ``product``'s overrides applied (unchanged for an unknown product)."""
        overrides = self.product_overrides.get(product)  # type: ignore[call-overload]
        if not overrides:
            return self
        return type(self).model_validate({**self.model_dump(), **overrides})


class GraphSettings(BaseModel):
    """Every threshold of the cross-application link graph (incremental checks and the batch sweep)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    secret_path: Path = Field(default_factory=lambda: Path.home() / ".config" / "docsentry" / "secret.key")
    """Where the HMAC key for link hashes lives when ``DOCSENTRY_SECRET`` is not set (created 0600)."""
    default_phone_region: str = "US"
    """Region assumed for a phone number written without a country code."""

    # --- Incremental check at verify time ----------------------------------------------------
    lookup_cap: int = 200
    """Matches fetched per identifier; an identifier seen on more applications than this is a
    placeholder or a hub (a call centre, a big apartment block) and links nothing."""
    stacking_window_days: int = 30
    stacking_min_other_lenders: int = 2
    """MULTI_LENDER_STACKING: distinct *other* lenders the same person applied to within the window.
    One other lender is ordinary rate shopping; two or more in a month is stacking."""
    shared_min_other_identities: int = 2
    """SHARED_IDENTIFIER: other identities giving the same phone, e-mail, bank account or address."""

    # --- DUPLICATE_DOCUMENT by perceptual hash of printed values (graph/phash.py) ------------
    image_min_digits: int = 3
    """Digits a word needs to be hashed as a printed value: amounts, balances, numbers and dates
    differ between applicants of one template; labels, and short figures such as "1 of 2", do not."""
    image_max_bands: int = 64
    """K: bands (distinct value glyph hashes) kept per document. A first statement page prints
    about 100 values; 64 keep the look-ups per check bounded and still give M room to be strict."""
    image_min_bands: int = 4
    """M's floor: an identity card prints 6-10 values, of which a re-scan keeps 1-6 bands intact
    while two holders' cards of one issuer shared up to 3 (a common figure, a 24-bit collision): a
    card links on 4, and a card whose capture kept fewer is missed rather than risk a false link."""
    image_min_band_share: float = 0.25
    """M = max(image_min_bands, ceil(share x K of the earlier document)). Two employees' stubs of one
    employer, two statements of one bank and month, shared at most 17 % of their bands; a JPEG or a
    scan of one document kept 27-90 % (tuning set, seed 777, benchmarks/phash.py)."""
    image_probe_bits: int = 6
    """Weakest bits of each glyph hash whose (1, 0) pairs are swapped at look-up: a capture that
    moved a coefficient across the median still finds its band. Up to nine extra look-ups per band
    (measured on single values: 24-bit hashes kept intact by a re-scan 55 % of the time with the 4
    weakest bits probed, 71 % with 6); probes are never stored."""

    # --- Batch sweep -------------------------------------------------------------------------
    max_identifier_degree: int = 50
    """An identifier on more applications than this is dropped before clustering (placeholder glue)."""
    ring_min_identities: int = 3
    """FRAUD_RING: distinct identities a cluster must hold."""
    ring_min_shared_kinds: int = 2
    """FRAUD_RING: kinds of strong identifiers (phone, e-mail, address, account, ID number, document)
    shared between households of the cluster (a surname at one address is one household); a family
    shares none, strangers touched by one coincidence share one, a ring several."""
    community_split_identities: int = 25
    """Components with more identities than this are split into communities (greedy modularity)
    before scoring, so one busy hub cannot flag everyone it touches."""
    velocity_window_days: int = 7
    """The cluster score counts applications in this many days before its latest one."""


class ForensicSettings(BaseModel):
    """Thresholds of the forensic examination: when a measurement becomes a signal and how strong.

    Strengths are 0..1, "how much this alone says about editing"; the forensic rules combine them
    (``RuleSettings.forensic_*``). A strength reflects how often the innocent look-alike occurs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    ocr_check: bool = True
    """Compare the text layer with OCR of the key fields (one Tesseract call per document)."""
    image_check: bool = True
    """Look for cloned regions in scanned pages and photos."""
    # --- Structure and metadata --------------------------------------------------------------
    incremental_update_strength: float = 0.2
    """Appended revisions alone: signing, form filling and some archivers do it too."""
    update_content_strength: float = 0.75
    """A later revision redraws a page: what "edit text" in a PDF editor saves."""
    update_fonts_strength: float = 0.45
    update_annotations_strength: float = 0.15
    """Annotations/form objects only: what a digital signature or a filled form looks like."""
    moddate_gap_days: float = 1.0
    moddate_strength: float = 0.15
    """Issuers re-save published PDFs (the Postbank demo statement): corroboration only."""
    editor_strength: float = 0.35
    fake_generator_strength: float = 0.5
    annotation_over_text_strength: float = 0.45
    # --- Overlays ---------------------------------------------------------------------------
    cover_fraction: float = 0.6
    """Share of a text's box another object must cover for the text to count as covered."""
    white_level: float = 0.94
    """A fill at least this light (each RGB channel, 0..1) is paper colour."""
    covered_text_strength: float = 0.6
    covered_redrawn_strength: float = 0.85
    invisible_text_strength: float = 0.3
    """Invisible text that covers no image: some generators add hidden search text (invoice2data's Netpresse)."""
    invisible_over_image_strength: float = 0.8
    sandwich_image_share: float = 0.7
    """An image covering this share of the page's drawn area makes invisible text an OCR'd scan's layer."""
    text_twice_strength: float = 0.5
    # --- Fonts ------------------------------------------------------------------------------
    font_column_tolerance_pt: float = 2.0
    font_rare_max_words: int = 3
    font_rare_share: float = 0.15
    """A family set on more numbers than this (count or share) is the document's own, not an edit."""
    font_min_peers: int = 2
    font_family_strength: float = 0.7
    font_min_size_peers: int = 3
    font_size_agreement_pt: float = 0.05
    font_size_delta_min_pt: float = 0.2
    font_size_delta_max_pt: float = 0.45
    """Designers step sizes by half points or more; a smaller step is a retyped value."""
    font_size_same_face_delta_max_pt: float = 0.75
    """Within one face (same weight) designers step by a whole point; three quarters or less is retyped."""
    font_size_strength: float = 0.4
    # --- Text layer against OCR -------------------------------------------------------------
    ocr_fields: tuple[str, ...] = (
        "net_pay", "gross_pay", "total_deductions", "ytd_gross", "ytd_net", "employee_name", "pay_date",
        "closing_balance", "opening_balance", "account_holder", "full_name", "date_of_birth", "document_number",
        "expiry_date",
    )
    """Fields whose text layer is compared with OCR of their pixels, most important first."""
    ocr_max_fields: int = 8
    ocr_timeout_s: float = 30.0
    ocr_min_confidence: float = 0.6
    ocr_min_distance: int = 2
    """Edits between the two readings below which a difference is an OCR slip..."""
    ocr_sure_confidence: float = 0.85
    """...unless it is one digit swapped for another and OCR is at least this sure."""
    ocr_confirm_scale: float = 1.5
    """A one-digit disagreement is read again alone at this enlargement; a slip that does not repeat is no finding."""
    ocr_confirm_thin_px: int = 3
    """...and once more with its strokes thinned by this grey-dilation kernel (1 or less: not at all)."""
    ocr_mismatch_strength: float = 0.8
    ocr_blank_strength: float = 0.6
    # --- Images -----------------------------------------------------------------------------
    image_max_side_px: int = 2400
    """Images are examined at most this large (a 200 dpi letter scan is 2200 px tall): keypoints of
    printed figures survive, and SIFT on a 300 dpi render would cost twice as much for nothing."""
    clone_max_descriptor_distance: float = 120.0
    """SIFT descriptors (L2, 0..~512) closer than this are the same patch of ink."""
    clone_min_matches: int = 20
    """Keypoint matches that must share one shift and carry one field's box onto another's."""
    clone_field_margin_px: int = 6
    """Field boxes are widened by this much (working pixels): OCR boxes hug the ink."""
    clone_search_px: int = 2
    clone_min_correlation: float = 0.95
    """The two aligned field regions must correlate at least this well to be one patch of pixels."""
    clone_honest_pairs: tuple[tuple[str, str], ...] = (
        ("gross_pay", "ytd_gross"), ("net_pay", "ytd_net"), ("opening_balance", "closing_balance"),
    )
    """Amount fields that honestly print the same value (a year's first pay period, a quiet month):
    identical pixels there are no clone. Any two dates may coincide and are never reported."""
    clone_strength: float = 0.8
    heatmap_max_side_px: int = 96


class WorkerSettings(BaseModel):
    """Batch work on Celery workers and in the embedded pool: time limits and redelivery."""

    queue: str = Field(default_factory=lambda: os.environ.get("DOCSENTRY_QUEUE") or "docsentry")
    """Celery queue the batch submits to and ``docsentry worker`` consumes."""
    soft_time_limit_s: float = 300.0
    """A document still being read after this long becomes unreadable ("time limit"), alone."""
    hard_time_limit_s: float = 330.0
    """A Celery worker process still busy after this long is killed; the document becomes unreadable."""
    visibility_timeout_s: float = Field(
        default_factory=lambda: float(os.environ.get("DOCSENTRY_VISIBILITY_TIMEOUT") or 600.0))
    """Redis broker: a message taken by a worker that vanished is handed out again after this long.
    Keep it above the hard time limit, or a slow document is read twice (harmless, but wasted)."""
    max_attempts: int = Field(default_factory=lambda: int(os.environ.get("DOCSENTRY_MAX_ATTEMPTS") or 3))
    """Starts of one document without an answer after which it is poison (its reader keeps dying).
    A start handed out again by the visibility timeout while the first still runs counts too."""
    finish_lease_s: float = 30.0
    """The finisher (storing bundles in order) renews its lease per bundle; a silent one loses it
    after this long and another task takes over."""


class Settings(BaseModel):
    intake: IntakeLimits = Field(default_factory=IntakeLimits)
    reading: ReadingSettings = Field(default_factory=ReadingSettings)
    rules: RuleSettings = Field(default_factory=RuleSettings)
    forensics: ForensicSettings = Field(default_factory=ForensicSettings)
    graph: GraphSettings = Field(default_factory=GraphSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    db_url: str = Field(default_factory=lambda: os.environ.get("DOCSENTRY_DB") or default_db_url())
    broker_url: str | None = Field(default_factory=lambda: os.environ.get("DOCSENTRY_BROKER") or None)


def default_db_url() -> str:
    return f"sqlite:///{Path.cwd() / 'docsentry.db'}"
