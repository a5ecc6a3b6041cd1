#!/bin/bash
# Builds the demo softphone page into OUT_DIR (build/web, which rtcgated
# serves on its WebSocket ports): web/index.html as is, web/phone.js bundled
# with JsSIP by esbuild from web/node_modules (tools/deps.sh run|test installs
# them with npm ci; nothing is fetched at build time and the page uses no CDN).
# Without node or those modules it says so and builds nothing: the C build
# still succeeds.  Skips the work when OUT_DIR is newer than every input.
# Usage: tools/build-web.sh SRC_DIR OUT_DIR [STAMP]   (run by meson/ninja)
set -u
src=$1
out=$2
stamp=${3:-}
done_() { [ -z "$stamp" ] || : >"$stamp"; exit 0; }

esbuild=$src/node_modules/.bin/esbuild
if ! command -v node >/dev/null 2>&1 || [ ! -x "$esbuild" ] ||
    [ ! -f "$src/node_modules/jssip/package.json" ]; then
    echo "rtcgate: demo page NOT built: web/node_modules is missing" \
        "(run 'tools/deps.sh run' or 'make run' to install JsSIP and esbuild)." >&2
    done_
fi

inputs=("$src/index.html" "$src/phone.js" "$src/package-lock.json"
    "$src/node_modules/.package-lock.json")
fresh=1
for f in "${inputs[@]}"; do
    [ -f "$out/phone.js" ] && [ -f "$out/index.html" ] && [ "$out/phone.js" -nt "$f" ] || fresh=0
done
[ $fresh -eq 1 ] && done_

tmp=$(mktemp -d "${out%/}.tmp.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# Chrome, Firefox and Safari releases with RTCDTMFSender and WebRTC unified plan.
if ! "$esbuild" "$src/phone.js" --bundle --format=iife --minify --target=es2020 \
    --legal-comments=eof --log-level=warning --metafile="$tmp/meta.json" \
    --outfile="$tmp/phone.js"; then
    echo "rtcgate: demo page: esbuild failed" >&2
    exit 1
fi
# Minifying drops the bundled packages' notices: name each package, its
# version and licence at the top of the script instead.
node - "$tmp/meta.json" "$src" "$tmp/phone.js" <<'JS' || exit 1
const fs = require('fs');
const path = require('path');
const [meta, src, out] = process.argv.slice(2);
const pkgs = new Set();
for (const f of Object.keys(JSON.parse(fs.readFileSync(meta, 'utf8')).inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
  if (m) pkgs.add(m[1]);
}
const lines = [...pkgs].sort().map((p) => {
  const j = JSON.parse(fs.readFileSync(path.join(src, 'node_modules', p, 'package.json'), 'utf8'));
  return ` *   ${p} ${j.version} (${j.license || 'see package'})`;
});
const head = `/* rtcgate demo phone (web/phone.js), bundled with:\n${lines.join('\n')}\n */\n`;
fs.writeFileSync(out, head + fs.readFileSync(out, 'utf8'));
JS
cp "$src/index.html" "$tmp/index.html" || exit 1
mkdir -p "$out" || exit 1
mv -f "$tmp/index.html" "$out/index.html" && mv -f "$tmp/phone.js" "$out/phone.js" || exit 1
echo "rtcgate: demo page built into $out ($(wc -c <"$out/phone.js") bytes of script)"
done_
