"""Stored answers' latency to the microsecond, beside a server that does nothing (prints figures; not a test).

    python bench/tail.py --autocannon DIR [--rounds 3] [--seconds 10] [--connections 16]

autocannon keeps its latencies in whole milliseconds, so for comptoir's
stored answers (leg A of the side-by-side benchmark, well under a
millisecond) its p50 and p99 both read 0 or 1 ms. This script drives the same
autocannon (``DIR``: its module folder, e.g. the side-by-side benchmark's
``mesh/node_modules/autocannon``) with the same options and keeps each
response's own time, a float, to give p50, p90, p99 and p99.9 to the
microsecond.

Two servers take turns under the same load, in one run:

- **comptoir** as deployed in leg A: ``comptoir serve``, one process,
  Redis behind its in-process tier, the response cache on, answering leg
  A's category page (:data:`PAGE`, the side-by-side benchmark's query) from
  its stored answer;
- **constant**: a dozen lines of asyncio (the event loop comptoir serves on)
  that answer every request with the same bytes, without reading them.
  What it measures is the machine and the load generator: no server answers
  faster, so its p99/p50 is the floor of this measurement here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import orjson  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from run import HEADERS, BaseUrls, ComptoirProcess, check  # noqa: E402

from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.servers import ServerThread, free_port  # noqa: E402

PAGE = (
    "query PLP { productSearch(first: 24) { edges { node { id name media { url } variants { sku"
    " price { amount { amount currencyCode } } availability { inStock quantity } } } } } }"
)
"""The category page as the side-by-side benchmark asks it (24 products, their variants and media)."""

# The constant server: every chunk of bytes received is answered with the
# same response (autocannon sends one request at a time per connection).
_CONSTANT = """
import asyncio, sys
answer = open(sys.argv[2], "rb").read()
class Constant(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        self.transport.write(answer)
async def main():
    server = await asyncio.get_running_loop().create_server(Constant, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
asyncio.run(main())
"""

# autocannon through its API: a warm-up, then the measured run, keeping each
# response's time (milliseconds, a float) as well as autocannon's own summary.
_LOAD = """
const autocannon = require(process.argv[1]);
const [url, bodyFile, headersJson, connections, seconds, warmup] = process.argv.slice(2);
const options = { url, method: "POST", body: require("fs").readFileSync(bodyFile, "utf8"),
  headers: JSON.parse(headersJson), connections: Number(connections) };
const run = (duration, times) => new Promise((resolve, reject) => {
  const instance = autocannon({ ...options, duration }, (err, result) => err ? reject(err) : resolve(result));
  if (times) instance.on("response", (client, status, bytes, ms) => { times.push(ms); });
});
(async () => {
  await run(Number(warmup), null);
  const times = [];
  const result = await run(Number(seconds), times);
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(JSON.stringify({ rps: result.requests.total / result.duration, non2xx: result.non2xx,
    errors: result.errors, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999),
    whole: [result.latency.p50, result.latency.p99] }));
})().catch((err) => { console.error(err); process.exit(1); });
"""


def _load(
    autocannon: Path, url: str, body: Path, headers: dict[str, str], args: Any
) -> dict[str, Any]:
    command = ["node", "-e", _LOAD, str(autocannon), url, str(body), json.dumps(headers)]
    command += [str(args.connections), str(args.seconds), str(args.warmup)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _line(name: str, r: dict[str, Any]) -> str:
    ratio = r["p99"] / r["p50"]
    return (
        f"   {name:<9} {r['rps']:9.1f} req/s   p50 {r['p50'] * 1000:5.0f} µs   p90 {r['p90'] * 1000:5.0f} µs"
        f"   p99 {r['p99'] * 1000:5.0f} µs   p99.9 {r['p999'] * 1000:6.0f} µs   p99/p50 {ratio:.2f}"
        f"   (autocannon: p50 {r['whole'][0]} ms, p99 {r['whole'][1]} ms; non-2xx {r['non2xx']}, errors {r['errors']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--autocannon", type=Path, required=True, help="autocannon's module folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()
    if not (args.autocannon / "package.json").is_file():
        parser.error(f"{args.autocannon} is not autocannon's module folder (no package.json)")

    data = ensure_demo_data(args.data_dir / "full", DemoScale.full(), progress=True)
    workdir = args.data_dir / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    with (
        ServerThread(build_reference_app(data, {})) as reference,
        RedisServer() as redis,
        tempfile.TemporaryDirectory(prefix="comptoir-tail-") as folder,
    ):
        process = ComptoirProcess(BaseUrls(reference.url), workdir, redis.url)
        constant: subprocess.Popen[bytes] | None = None
        try:
            body = Path(folder) / "body.json"
            body.write_bytes(orjson.dumps({"query": PAGE, "operationName": "PLP"}))
            url = f"{process.url}/graphql"
            headers = {**HEADERS, "Content-Type": "application/json"}
            page = httpx.post(url, content=body.read_bytes(), headers=headers, timeout=30)
            check(page.json(), "category page")
            answer = Path(folder) / "answer.http"
            answer.write_bytes(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(page.content)}\r\n\r\n".encode()
                + page.content
            )
            port = free_port()
            constant = subprocess.Popen([sys.executable, "-c", _CONSTANT, str(port), str(answer)])  # noqa: S603
            time.sleep(1.0)
            targets = {"constant": f"http://127.0.0.1:{port}/graphql", "comptoir": url}
            print(
                f"stored category page ({len(page.content):,} bytes), autocannon c={args.connections} "
                f"{args.seconds}s after {args.warmup}s warm-up, servers taking turns"
            )
            for round_ in range(1, args.rounds + 1):
                print(f"round {round_}")
                for name, target in targets.items():
                    print(
                        _line(name, _load(args.autocannon, target, body, headers, args)), flush=True
                    )
        finally:
            if constant is not None:
                constant.terminate()
                constant.wait()
            process.stop()


if __name__ == "__main__":
    main()
