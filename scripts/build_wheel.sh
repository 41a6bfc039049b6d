#!/usr/bin/env bash
# Build the wheel of the addon, odoo_addon_l10n_fr_chorus_pro-<manifest version>-py3-none-any.whl,
# with the whool build backend (pyproject.toml), into OUT_DIR (first argument, default dist/).
# Prints the wheel's path on its last line.
#
# whool names the distribution after the directory it builds (odoo-addon-<directory>) and
# packages the files under git control. A clone may be named anything, so the addon's
# git-tracked files are copied to a directory named l10n_fr_chorus_pro and the wheel is
# built there, without the development-only files (the simulator package — installed on
# its own from simulator/ —, benchmarks, scripts, CI, Makefile, requirements-dev.txt).
# Odoo's tests of the addon (tests/) are kept: they import the simulator package, which a
# test environment installs with `pip install ./simulator`.
#
# Checks the result: the name and version (the manifest's), and that the only Odoo
# requirement is `odoo` itself — every addon the manifest depends on is an Odoo core
# addon, which manifestoo-core (used by whool) knows and leaves out.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$HERE/scripts/env.sh"
log() { printf '\033[1;34m[wheel]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[wheel] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

ADDON=l10n_fr_chorus_pro
OUT_DIR="$(mkdir -p "${1:-$HERE/dist}" && cd "${1:-$HERE/dist}" && pwd)"
PYTHON="${PYTHON:-$VENV/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
# Files and directories of the repository that are not part of the addon.
EXCLUDE_RE='^(simulator/|benchmarks/|scripts/|\.ci/|Makefile$|requirements-dev\.txt$|\.gitignore$)'

version="$("$PYTHON" -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' "$HERE/__manifest__.py")"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$ADDON"
count=0
while IFS= read -r -d '' file; do
  [[ "$file" =~ $EXCLUDE_RE ]] && continue
  [ -f "$HERE/$file" ] || continue   # deleted in the work tree, not committed yet
  mkdir -p "$stage/$ADDON/$(dirname "$file")"
  cp -p "$HERE/$file" "$stage/$ADDON/$file"
  count=$((count + 1))
done < <(git -C "$HERE" ls-files -z)
[ -f "$stage/$ADDON/pyproject.toml" ] || die "pyproject.toml is not under git control"
log "building the wheel of $ADDON $version ($count files) into $OUT_DIR"
rm -f "$OUT_DIR/odoo_addon_${ADDON}-"*.whl
# Build isolation: pip installs whool (and manifestoo-core) from PyPI in a throw-away
# environment.
# (The machine-wide pip configuration may name absent local indexes: their warnings are
# filtered out.)
pip_rc=0
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$OUT_DIR" "$stage/$ADDON" >"$stage/pip.log" 2>&1 \
  || pip_rc=$?
grep -v "^WARNING: Location '" "$stage/pip.log" >&2 || true
[ "$pip_rc" = "0" ] || die "pip wheel failed"

wheel="$OUT_DIR/odoo_addon_${ADDON}-${version}-py3-none-any.whl"
[ -f "$wheel" ] || die "expected $wheel, got: $(ls "$OUT_DIR")"
"$PYTHON" - "$wheel" "$ADDON" "$version" <<'EOF' || die "the wheel's metadata are wrong (see above)"
import sys, zipfile
from email.parser import HeaderParser

wheel, addon, version = sys.argv[1:]
with zipfile.ZipFile(wheel) as zf:
    names = zf.namelist()
    meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
    meta = HeaderParser().parsestr(zf.read(meta_name).decode())
requires = meta.get_all("Requires-Dist") or []
errors = []
if meta["Name"] != f"odoo-addon-{addon}":
    errors.append(f"Name is {meta['Name']!r}, expected 'odoo-addon-{addon}'")
if meta["Version"] != version:
    errors.append(f"Version is {meta['Version']!r}, expected the manifest's {version!r}")
if "odoo==19.0.*" not in requires:
    errors.append("Requires-Dist lacks odoo==19.0.*")
# Every addon of "depends" is an Odoo core addon (account, mail, l10n_fr_account,
# l10n_fr_facturx_chorus_pro): none may become a requirement on a distribution that
# does not exist on PyPI.
addon_requires = [r for r in requires if r.lower().startswith(("odoo-addon", "odoo_addon"))]
if addon_requires:
    errors.append(f"Requires-Dist names addon distributions: {addon_requires}")
for path in (f"odoo/addons/{addon}/__manifest__.py", f"odoo/addons/{addon}/static/description/icon.png",
             f"odoo/addons/{addon}/static/description/index.html"):
    if path not in names:
        errors.append(f"{path} missing from the wheel")
for name in names:
    if name.startswith(f"odoo/addons/{addon}/") and name.split("/")[3] in ("simulator", "benchmarks", "scripts"):
        errors.append(f"development file in the wheel: {name}")
        break
for line in errors:
    print("  " + line, file=sys.stderr)
print(f"  {meta['Name']} {meta['Version']}: {len(names)} files; Requires-Dist: {', '.join(requires)}",
      file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
echo "$wheel"
