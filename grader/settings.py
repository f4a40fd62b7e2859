"""The one settings object: every knob, env prefix GRADER_, units in the names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# GRADER_RATE_LIMIT, in the notation of the `limits` package that applies it: "60/minute", "5/2seconds".
RATE = re.compile(r"(?P<count>\d+)\s*(?:/|per)\s*(?P<n>\d+)?\s*(?:second|minute|hour|day)s?", re.IGNORECASE)


def _default_data_dir() -> Path:
    return Path.home() / ".cache" / "dlgrader"


class Settings(BaseSettings):
    """Grader configuration, read from GRADER_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="GRADER_", extra="ignore")

    # "dev" allows the default webhook secret and an empty salt; anything else refuses them.
    env: Literal["dev", "test", "prod"] = "dev"
    tasks_dir: Path = PROJECT_ROOT / "tasks"
    rubrics_dir: Path = PROJECT_ROOT / "rubrics"
    data_dir: Path = Field(default_factory=_default_data_dir)

    # Sandbox defaults; a task's metadata may override timeout_s and memory_mb.
    timeout_s: float = 60.0
    memory_mb: int = 2048
    cpu_s: int = 120
    max_pids: int = 64
    file_size_mb: int = 16
    open_files: int = 256
    output_cap_kib: int = 64
    observation_cap_mb: int = 16
    sandbox_uid: int = 65534
    sandbox_gid: int = 65534
    sandbox_tmp_mb: int = 64
    # "auto": isolate as far as the OS allows and warn in the report about the rest;
    # "strict": refuse to grade (sandbox_error) when full isolation is not available.
    isolation: Literal["auto", "strict"] = "auto"
    # The syscall filter installed before the harness (grader/sandbox/seccomp.py).
    seccomp: bool = True
    max_submission_kib: int = 256
    # GPU indexes for the sandboxes of tasks with needs_gpu optional/required, given as "0,1" in the
    # environment (empty = CPU only). The grader never initialises CUDA itself; only the harness does.
    gpu_devices: Annotated[list[str], NoDecode] = []
    # Cap on each sandbox's GPU memory (torch's per-process allocator fraction; 0 = no cap).
    gpu_memory_mb: int = 0
    reference_cache: bool = True
    # Mixed into probe seeds so hidden inputs cannot be derived from the public repository.
    # Unset: generated once per deployment (grader/salt.py); "" is refused outside GRADER_ENV=dev.
    seed_salt: SecretStr | None = None

    # Sandbox backend: "process" (a fresh process per run), "pool" (warm, single-use processes forked
    # from a template that imported the frameworks), or "docker" (one container per run).
    sandbox: Literal["process", "pool", "docker"] = "pool"
    pool_size: int = 2  # idle warm sandboxes kept ready per framework
    # Docker backend (GRADER_SANDBOX=docker): the engine (empty = DOCKER_HOST or the default socket)
    # and the sandbox image, built by scripts/build-sandbox-image.sh (workers/Dockerfile, target sandbox).
    docker_host: str = ""
    docker_image: str = "dlgrader-sandbox:latest"
    # Pre-started, single-use containers kept ready per framework (0 = a cold container per run).
    docker_pool_size: int = 0
    # "fork": fork from a warmed template (CPU); "spawn": pre-started processes that warm up
    # themselves (what GPU sandboxes use, since CUDA does not survive a fork); "auto": spawn for
    # GPU sandboxes, fork otherwise.
    pool_mode: Literal["auto", "fork", "spawn"] = "auto"

    # Service: empty broker_url = embedded (in-process worker); database_url empty = SQLite in data_dir.
    broker_url: str = ""
    database_url: str = ""
    # --- Service: API, queue, workers, webhooks (grader/api, grader/service/dispatch.py, workers/) ---
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    embedded_workers: int = 2  # grading threads of `grader serve` when broker_url is empty
    gpu_workers: bool = False  # GPU workers exist: needs_gpu=optional tasks go to the gpu queue
    # Redis redelivers a job not acknowledged within this time (a killed worker's); above the longest job.
    visibility_timeout_s: int = 3600
    job_max_retries: int = 3  # retries of the grader's own faults only (DB/broker errors, sandbox_error)
    job_retry_delay_s: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_base_s: float = 40.0  # wait after attempt n: base*2**(n-1), jittered to 50-100%: ~1 h over 8
    webhook_backoff_max_s: float = 3600.0
    webhook_timeout_s: float = 10.0
    # Deliver to loopback, private, link-local and other non-public addresses (refused by default: SSRF).
    webhook_allow_private: bool = False
    # After a rotation, the old endpoint secret keeps signing (next to the new one) for this long.
    webhook_secret_grace_h: float = 24.0
    # --- Invitation email (grader/service/mailer.py); smtp_host empty = email off ---
    smtp_host: str = ""
    smtp_port: int = 587  # 587 with starttls, 465 with ssl, 25 (or a local relay's port) with none
    smtp_username: str = ""  # empty: no AUTH LOGIN
    smtp_password: SecretStr | None = None
    smtp_from: str = "dlgrader <no-reply@localhost>"  # From: of invitation emails
    # starttls: plain connect then STARTTLS (required); ssl: TLS from the start; none: no encryption (local relay).
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_timeout_s: float = 10.0  # connect and each SMTP command

    webhook_secret: SecretStr = SecretStr("dev-secret")
    # When set, GET /metrics needs `Authorization: Bearer <token>` (Prometheus: authorization.credentials).
    metrics_token: SecretStr | None = None
    # Requests per API key (per client address without one) on the /v1 routes, e.g. "60/minute" or
    # "5/2seconds"; over it, 429 with Retry-After. Empty: no limit. Shared through Redis in broker mode.
    rate_limit: str = ""
    # --- Invitations and hiring tools (grader/service/invitations.py, grader/service/api/greenhouse.py) ---
    # The service's address as candidates and hiring tools reach it ("https://grader.example.com"):
    # every link it hands out starts with it. Empty: the address the request came to.
    public_url: str = ""
    invitation_sweep_s: float = 2.0  # how often deadlines, expiries and finished gradings are looked at
    report_link_days: float = 7.0  # how long a signed report link (Greenhouse's partner_profile_url) opens

    @field_validator("gpu_devices", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [d.strip() for d in value.split(",") if d.strip()]
        if isinstance(value, list) and not all(isinstance(d, str) and d.isdigit() for d in value):
            raise ValueError(f"GRADER_GPU_DEVICES: expected GPU indexes like 0 or 0,1, got {value!r}")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        m = RATE.fullmatch(value.strip())
        if value.strip() and (m is None or int(m["count"]) < 1 or int(m["n"] or 1) < 1):
            raise ValueError(
                f"GRADER_RATE_LIMIT: expected COUNT/[N]UNIT with UNIT second, minute, hour or day "
                f"(e.g. 60/minute, 5/2seconds, 1000 per day), or empty for no limit; got {value!r}"
            )
        return value.strip()

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env != "dev" and self.webhook_secret.get_secret_value() == "dev-secret":
            raise ValueError("GRADER_WEBHOOK_SECRET must be set outside GRADER_ENV=dev")
        if self.env != "dev" and self.seed_salt is not None and self.seed_salt.get_secret_value() == "":
            raise ValueError(
                "GRADER_SEED_SALT must not be empty outside GRADER_ENV=dev (unset it to use the generated one)"
            )
        return self

    @property
    def salt(self) -> str | None:
        """The seed salt's text (None: not resolved yet; grader/salt.py resolves it)."""
        return None if self.seed_salt is None else self.seed_salt.get_secret_value()
