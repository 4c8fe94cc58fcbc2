"""A broken MCP server for the tests: it initializes, lists one tool, prints a line that
is not JSON-RPC, and answers every tools/call with a result that breaks the schema."""

from __future__ import annotations

import json
import sys


def send(obj: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    method, mid = msg.get("method"), msg.get("id")
    if mid is None:
        continue  # a notification
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": msg["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "garbage", "version": "0"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": mid, "result": {"tools": [{
            "name": "mangle", "description": "Returns garbage.",
            "inputSchema": {"type": "object", "properties": {}}}]}})
    elif method == "tools/call":
        sys.stdout.write("this is not JSON at all\n")
        send({"jsonrpc": "2.0", "id": mid, "result": {"content": "not-a-list", "isError": 7}})
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": mid, "result": {}})
    else:
        send({"jsonrpc": "2.0", "id": mid,
              "error": {"code": -32601, "message": f"no method {method}"}})
