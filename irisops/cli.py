"""``irisops``: serve the AWS APIs, or look at a running server."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from irisops import __version__
from irisops.config import Config
from irisops.services.registry import UnknownService


def _serve_args(parser: argparse.ArgumentParser) -> None:
    env = Config.from_env()
    parser.add_argument("--host", default=env.host, help="address to bind (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=env.port, help="port (default %(default)s; 0 = any free)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=env.data_dir, help="state directory (IRISOPS_DATA_DIR)"
    )
    parser.add_argument(
        "--ephemeral",
        action="store_true",
        default=env.ephemeral,
        help="keep state in a temporary directory removed at exit",
    )
    parser.add_argument("--region", default=env.region, help="default region")
    parser.add_argument(
        "--log-level",
        default=env.log_level,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        type=str.upper,
    )
    parser.add_argument(
        "--services",
        default=",".join(env.services),
        help="comma-separated services to run (IRISOPS_SERVICES; default all)",
    )
    parser.add_argument(
        "--no-fsync",
        dest="fsync",
        action="store_false",
        default=env.fsync,
        help="skip fsync (state still survives kill -9, not a power loss)",
    )


def default_endpoint() -> str:
    return (
        os.environ.get("IRISOPS_ENDPOINT")
        or os.environ.get("AWS_ENDPOINT_URL")
        or f"http://127.0.0.1:{os.environ.get('IRISOPS_PORT', '4566')}"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from irisops.server import serve

    config = Config(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        ephemeral=args.ephemeral,
        region=args.region,
        log_level=args.log_level,
        fsync=args.fsync,
        services=[s for s in args.services.split(",") if s],
    )
    logging.basicConfig(
        level=config.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        asyncio.run(serve(config))
    except UnknownService as exc:
        print(f"irisops: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"irisops: cannot serve on {config.host}:{config.port}: {exc}", file=sys.stderr)
        return 1
    return 0


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def cmd_status(args: argparse.Namespace) -> int:
    base = args.endpoint.rstrip("/")
    try:
        health = _get_json(f"{base}/_irisops/health")
        state = _get_json(f"{base}/_irisops/state")
    except (urllib.error.URLError, OSError) as exc:
        print(f"irisops: no server answers at {base} ({exc})", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"health": health, "state": state}, indent=2))
        return 0
    docker = health.get("docker", {})
    engine = f"Docker {docker.get('version')}" if docker.get("available") else "no Docker engine"
    print(f"irisops {health['version']} at {base}  data dir {health['data_dir']}  {engine}")
    for service, snapshot in state.get("services", {}).items():
        summary = ", ".join(
            f"{key} {len(value) if isinstance(value, list | dict) else value}"
            for key, value in snapshot.items()
        )
        print(f"  {service:<8} {summary or '-'}")
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    from irisops.tui import run

    return run(args.endpoint, default_endpoint=default_endpoint(), light=args.light)


def cmd_services(args: argparse.Namespace) -> int:
    """Each service and the operations it implements, read from the handlers."""
    import botocore.session

    from irisops.services.base import handler_name
    from irisops.services.registry import service_classes

    session = botocore.session.get_session()
    for cls in service_classes():
        model = session.get_service_model(cls.name)
        implemented = [
            op for op in model.operation_names if callable(getattr(cls, handler_name(op), None))
        ]
        if args.markdown:
            print(
                f"- **{cls.name}** ({len(implemented)} of {len(model.operation_names)}): "
                + ", ".join(f"`{op}`" for op in implemented)
            )
        else:
            print(f"{cls.name} ({len(implemented)}/{len(model.operation_names)})")
            for op in implemented:
                print(f"  {op}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from irisops.scenario.demo import run_demo, run_demo_in_dashboard

    if args.tui:
        return run_demo_in_dashboard(
            endpoint=args.endpoint, root=args.root, base_image=args.base_image, light=args.light
        )
    return run_demo(
        endpoint=args.endpoint, root=args.root, base_image=args.base_image, keep=args.keep
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="irisops", description=__doc__)
    parser.add_argument("--version", action="version", version=f"irisops {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the AWS APIs on one port")
    _serve_args(serve)
    serve.set_defaults(func=cmd_serve)

    status = commands.add_parser("status", help="what a running server holds")
    status.add_argument("--endpoint", default=default_endpoint())
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    status.set_defaults(func=cmd_status)

    tui = commands.add_parser("tui", help="the live dashboard of a server")
    tui.add_argument(
        "--endpoint",
        help="server to attach to (default: the default endpoint if one answers, "
        "else an embedded server)",
    )
    tui.add_argument("--light", action="store_true", help="start with the light theme")
    tui.set_defaults(func=cmd_tui)

    services = commands.add_parser("services", help="the operations each service implements")
    services.add_argument("--markdown", action="store_true", help="one Markdown line each")
    services.set_defaults(func=cmd_services)

    demo = commands.add_parser("demo", help="run the iris scenario end to end, step by step")
    demo.add_argument("--endpoint", help="run it on this server instead of a new embedded one")
    demo.add_argument("--base-image", help="image the containers build FROM (IRISOPS_BASE_IMAGE)")
    demo.add_argument("--root", type=Path, help="checkout with containers/ and demo/")
    demo.add_argument("--keep", action="store_true", help="keep the server running afterwards")
    demo.add_argument(
        "--tui", action="store_true", help="watch it in the dashboard (the server stays up)"
    )
    demo.add_argument("--light", action="store_true", help="with --tui: the light theme")
    demo.set_defaults(func=cmd_demo)

    args = parser.parse_args(argv)
    return args.func(args)
