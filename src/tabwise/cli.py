"""The ``tabwise`` command line (DESIGN §9). Exit codes: 0 ok, 1 error, 2 usage."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime

from . import __version__
from .api import Usage, UsageByModel, to_json
from .errors import TabwiseError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tabwise",
        description="An AI terminal: every tab is a real shell plus its own AI agent.")
    p.add_argument("--version", action="version", version=f"tabwise {__version__}")
    p.add_argument("--home", metavar="DIR",
                   help="keep settings, archive and logs in DIR (default: $TABWISE_HOME "
                        "or the platform's user dirs)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("serve", help="serve the command API over JSON-RPC (WebSocket)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")

    ss = sub.add_parser("sessions", help="list, show, export or remove archived sessions")
    ssub = ss.add_subparsers(dest="action", metavar="ACTION", required=True)
    sl = ssub.add_parser("list", help="list sessions")
    sl.add_argument("--all", action="store_true", help="include closed sessions")
    sl.add_argument("--json", action="store_true", help="print JSON")
    for name, help_ in (("show", "show one session"), ("rm", "delete a session")):
        a = ssub.add_parser(name, help=help_)
        a.add_argument("id", help="session id or a unique prefix of it")
    ex = ssub.add_parser("export", help="print a session's conversation")
    ex.add_argument("id", help="session id or a unique prefix of it")
    ex.add_argument("--format", choices=("markdown", "json"), default="markdown")

    sub.add_parser("models", help="providers (configured or not, and why) and their models")
    c = sub.add_parser("config", help="settings file location and validation")
    csub = c.add_subparsers(dest="action", metavar="ACTION", required=True)
    csub.add_parser("path", help="print the settings file path")
    csub.add_parser("check", help="validate the settings file")
    m = sub.add_parser("mcp", help="MCP servers ([mcp.NAME] tables)")
    msub = m.add_subparsers(dest="action", metavar="ACTION", required=True)
    ml = msub.add_parser("list", help="start each server once; show status, errors, tools")
    ml.add_argument("--json", action="store_true", help="print JSON")
    ml.add_argument("--no-connect", action="store_true", help="only show the settings")
    return p


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "-"


def _spend(usage: Usage | UsageByModel | None) -> str:
    """Tokens and cost of a session ("—": no price known for its model)."""
    if not usage:
        return "-"
    tokens = usage.input_tokens + usage.output_tokens
    cost = usage.cost_usd
    if not usage.requests:
        return f"{tokens:,} tok"
    money = "—" if cost is None else f"${cost:.4f}"
    return f"{tokens:,} tok {money}"


async def _sessions(args: argparse.Namespace) -> int:
    from .commands import Tabwise

    core = await Tabwise.start(args.home, restore=False)
    try:
        if not (await core.get_app_info()).persistent:
            raise TabwiseError("Sessions are not persisted ([sessions] persist = false).")
        if args.action == "list":
            rows = await core.list_sessions(include_closed=args.all)
            if args.json:
                print(json.dumps(to_json(rows), indent=2))
                return 0
            if not rows:
                print("no sessions")
            from .api.views import fork_tree

            for depth, r in fork_tree(rows):  # forks indented under their source
                cfg = r.ai_config
                state = "closed" if r.closed else "open"
                model = f"{cfg.provider}/{cfg.model}" if cfg else "-"
                fork = f"  (fork of {r.forked_from[:12]})" if r.forked_from else ""
                print(f"{r.session_id[:12]}  {state:6}  {_when(r.updated_at)}  "
                      f"{model:32}  {_spend(r.usage):>22}  "
                      f"{'  ' * depth}{'└ ' if depth else ''}{r.name}{fork}")
            return 0
        sid = await core.resolve_session_id(args.id)
        if args.action == "show":
            info = next(i for i in await core.list_sessions(include_closed=True)
                        if i.session_id == sid)
            for k, v in to_json(info).items():
                if k != "usage":  # below, in words
                    print(f"{k}: {v}")
            usage = await core.get_session_usage(sid)
            print(f"usage: {_spend(usage)} ({usage.requests} requests)")
            for m in usage.by_model:
                print(f"  {m.provider}/{m.model}: {_spend(m)}")
        elif args.action == "export":
            sys.stdout.write(await core.export_session(sid, args.format))
        elif args.action == "rm":
            await core.delete_session(sid)
            print(f"deleted {sid}")
        return 0
    finally:
        await core.stop()


async def _models(args: argparse.Namespace) -> int:
    from .commands import Tabwise

    core = await Tabwise.start(args.home, restore=False)
    try:
        errors = (await core.get_app_info()).settings_errors
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        if errors:
            return 1
        default = await core.get_default_ai_config()
        # refresh: what local servers serve (short timeouts)
        for st in await core.list_providers(refresh=True):
            mark = "configured" if st.configured else f"not configured: {st.reason}"
            if st.configured and st.reason:
                mark += f" ({st.reason})"
            is_default = st.name == default.provider
            print(f"{st.name} [{st.kind}] — {mark}{'  (default)' if is_default else ''}")
            for m in st.models:
                print(f"    {m}{' *' if is_default and m == default.model else ''}")
        return 0
    finally:
        await core.stop()


def _config(args: argparse.Namespace) -> int:
    from .settings import load_settings, resolve_paths

    path = resolve_paths(args.home).settings_file
    if args.action == "path":
        print(path)
        return 0
    if not path.exists():
        print(f"{path} does not exist yet; tabwise writes a commented one on first run.")
        return 0
    settings = load_settings(path, strict=False)
    for w in settings.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for e in settings.errors:  # every one, one line each (tabwise starts with defaults)
        print(f"error: {e}", file=sys.stderr)
    if settings.errors:
        return 1
    servers = f" ({len(settings.mcp)} MCP servers)" if settings.mcp else ""
    print(f"{path}: ok{servers}")
    return 0


def _tui(args: argparse.Namespace) -> int:
    try:
        from .tui.app import run_app
    except ImportError:
        print("The tabwise TUI is not available in this build yet; run `tabwise serve` to "
              "drive tabs over JSON-RPC.", file=sys.stderr)
        return 1
    return int(run_app(args.home))


def main(argv: Sequence[str] | None = None) -> int:
    # pydantic-ai prints a banner on first use; it would land in the TUI or the
    # `serve` protocol line's stream.
    os.environ.setdefault("PYDANTIC_AI_NO_BANNER", "1")
    args = _parser().parse_args(argv)
    if args.command in (None, "serve"):
        from ._logging import setup_logging
        from .settings import resolve_paths

        setup_logging(resolve_paths(args.home).logs_dir)
    try:
        if args.command == "serve":
            from .server import is_loopback, run_server

            if not 0 <= args.port <= 65535:
                print("tabwise: error: --port must be 0..65535", file=sys.stderr)
                return 2
            if not is_loopback(args.host):
                print(f"tabwise: warning: --host {args.host} accepts connections from other "
                      "machines; anyone who can reach this port and read server.token "
                      "can drive your shells. Use 127.0.0.1 unless you mean it.",
                      file=sys.stderr, flush=True)
            return asyncio.run(run_server(args.home, args.host, args.port))
        if args.command == "sessions":
            return asyncio.run(_sessions(args))
        if args.command == "models":
            return asyncio.run(_models(args))
        if args.command == "config":
            return _config(args)
        if args.command == "mcp":
            from ._cli_mcp import mcp_command

            return mcp_command(args)
        return _tui(args)
    except TabwiseError as exc:
        print(f"tabwise: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
