"""`grader serve`, `grader worker`, `grader keys` and `grader orgs` (registered on the main CLI app)."""

from __future__ import annotations

import os
import re

import typer

from grader.cli.common import fail, load_settings, open_store, org_or_fail

app = typer.Typer()

keys_app = typer.Typer(no_args_is_help=True, help="Manage API keys (only a hash of each key is stored).")
app.add_typer(keys_app, name="keys")
orgs_app = typer.Typer(no_args_is_help=True, help="Manage organisations (who owns keys, submissions and invitations).")
app.add_typer(orgs_app, name="orgs")


@app.command()
def serve(
    host: str | None = typer.Option(None, "--host", help="address to bind (default GRADER_API_HOST, 127.0.0.1)"),
    port: int | None = typer.Option(None, "--port", min=1, max=65535, help="port (default GRADER_API_PORT, 8000)"),
) -> None:
    """Run the REST API. Without GRADER_BROKER_URL it also grades, in-process (SQLite, no Redis)."""
    import uvicorn

    from grader.service.api import create_app

    s = load_settings()
    host, port = host or s.api_host, port or s.api_port
    mode = (
        f"broker mode ({_redacted(s.broker_url)}): `grader worker` processes grade"
        if s.broker_url
        else f"embedded mode: {s.embedded_workers} grading thread(s) in this process"
    )
    typer.echo(f"dlgrader API on http://{host}:{port} — {mode}", err=True)
    uvicorn.run(create_app(s), host=host, port=port, log_level="info")


@app.command()
def worker(
    queues: str | None = typer.Option(
        None, "--queues", help="comma-separated: gpu,cpu (default: cpu, or gpu,cpu with --gpu)"
    ),
    gpu: str | None = typer.Option(
        None, "--gpu", help="GPU index(es) for the sandboxes, e.g. 0 or 0,1 (sets CUDA_VISIBLE_DEVICES)"
    ),
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="jobs graded at once (threads)"),
    pool: str = typer.Option("threads", "--pool", help="threads or solo"),
) -> None:
    """Run a Celery worker that grades queued submissions (needs GRADER_BROKER_URL)."""
    if gpu is not None:
        if not re.fullmatch(r"\d+(,\d+)*", gpu):
            fail(f"--gpu {gpu!r}: expected GPU indexes like 0 or 0,1")
    s = load_settings()
    if gpu is not None:  # the sandboxes' CUDA_VISIBLE_DEVICES; the worker itself never touches CUDA
        s = s.model_copy(update={"gpu_devices": gpu.split(",")})
    if not s.broker_url:
        fail("GRADER_BROKER_URL is not set; a worker needs Redis (or run `grader serve`, which grades in-process)")
    chosen = [q.strip() for q in (queues or ("gpu,cpu" if gpu is not None else "cpu")).split(",") if q.strip()]
    bad = [q for q in chosen if q not in ("gpu", "cpu")]
    if bad or not chosen:
        fail(f"--queues: unknown queue(s) {', '.join(bad) or '(none)'}; choose from gpu, cpu")
    if "gpu" in chosen and not s.gpu_devices:
        typer.echo("warning: consuming the gpu queue without --gpu: GPU tasks will run on the CPU", err=True)
    if s.visibility_timeout_s < 2 * s.timeout_s + 60:  # a grading runs the reference, then the candidate
        typer.echo(
            f"warning: GRADER_VISIBILITY_TIMEOUT_S={s.visibility_timeout_s} is below the longest grading; "
            "a slow job may be redelivered to a second worker (it is graded once, but twice the work)",
            err=True,
        )
    if pool not in ("threads", "solo"):
        fail(f"--pool {pool!r}: choose threads or solo")
    from grader.service.celery_app import make_worker_app

    make_worker_app(s).worker_main(
        [
            "worker",
            "--queues",
            ",".join(chosen),
            "--pool",
            pool,
            "--concurrency",
            str(1 if pool == "solo" else concurrency),
            "--hostname",
            f"grader-{'-'.join(chosen)}-{os.getpid()}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@keys_app.command("create")
def keys_create(
    name: str = typer.Option(..., "--name", help="who the key is for"),
    org: str = typer.Option("", "--org", help="the organisation it belongs to (default: the default one)"),
) -> None:
    """Create an API key and print it (once; only its hash is stored)."""
    if not name.strip():
        fail("--name must not be empty")
    with open_store() as store:
        org_id = org_or_fail(store, org) if org.strip() else store.default_org().id
        try:
            key = store.create_key(name.strip(), org_id=org_id)
        except Exception as exc:  # noqa: BLE001 - one line for the user
            fail(f"cannot store the key: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        org_name = (store.org(key.org_id) or store.default_org()).name
    typer.echo(key.key)
    typer.echo(f"created key {key.prefix}… for {key.name!r} in {org_name!r}; it is shown only once", err=True)


@keys_app.command("list")
def keys_list(org: str = typer.Option("", "--org", help="only this organisation's keys")) -> None:
    """List API keys (prefix, creation time, organisation, name)."""
    with open_store() as store:
        names = {o.id: o.name for o in store.orgs()}
        org_id = org_or_fail(store, org) if org.strip() else None
        for k in store.keys(org_id=org_id):
            typer.echo(f"{k.prefix}…  {k.created_at:%Y-%m-%d %H:%M}  {names.get(k.org_id or '', '-')}  {k.name}")


@orgs_app.command("create")
def orgs_create(
    name: str = typer.Option(..., "--name", help="the organisation's name (unique)"),
    candidate_view: bool = typer.Option(
        False, "--candidate-view", help="candidates see their report (without hidden details) once graded"
    ),
) -> None:
    """Create an organisation; its keys see only its submissions, invitations and webhooks."""
    from grader.service.store import OrgExists

    if not name.strip():
        fail("--name must not be empty")
    with open_store() as store:
        try:
            made = store.create_org(name, candidate_view=candidate_view)
        except OrgExists as exc:
            fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - one line for the user
            fail(f"cannot store the organisation: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    typer.echo(made.id)
    hint = f"add keys with `grader keys create --name N --org {made.name}`"
    typer.echo(f"created organisation {made.name!r}; {hint}", err=True)


@orgs_app.command("list")
def orgs_list() -> None:
    """List organisations (id, creation time, name)."""
    with open_store() as store:
        for o in store.orgs():
            typer.echo(f"{o.id}  {o.created_at:%Y-%m-%d %H:%M}  {o.name}")


def _redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return scheme + sep + ("***@" + rest.split("@", 1)[1] if "@" in rest else rest)
