#!/usr/bin/env bash
# CI's packaging check, after the build: makes the .deb with cpack, then
# installs, runs, removes and purges it on this machine (root or sudo), so a
# package that cannot install, start or go away never ships.
#   bash scripts/package-check.sh BUILD_DIR
# ROLLCALL_DEB=FILE checks that .deb instead of running cpack. It refuses to
# run where the package `rollcall` is already installed: it would remove it.
# dpkg -i installs no dependencies: they must already be here (they are on a
# machine that built Rollcall). The rollcall user stays after the purge, as
# on any Debian system.
set -euo pipefail

build=$(cd "${1:?usage: package-check.sh BUILD_DIR}" && pwd)
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

fail() { echo "package-check: FAIL: $*" >&2; exit 1; }
ok() { echo "package-check: ok: $*"; }

installed=0
cleanup() {
  if [ "$installed" = 1 ]; then
    echo "package-check: purging the package after a failure" >&2
    "${sudo_cmd[@]}" dpkg -P rollcall >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

status=$(dpkg-query -W -f='${Status}' rollcall 2>/dev/null || true)
if [[ "$status" == *" installed" ]]; then
  fail "the package rollcall is installed on this machine; this check would remove it (dpkg -P rollcall first)"
fi

# --- build the package -------------------------------------------------------
if [ -n "${ROLLCALL_DEB:-}" ]; then
  deb=$(cd "$(dirname "$ROLLCALL_DEB")" && pwd)/$(basename "$ROLLCALL_DEB")
else
  [ -f "$build/CPackConfig.cmake" ] || fail "$build/CPackConfig.cmake missing (is cmake/packaging.cmake included?)"
  rm -rf "$build/package"
  (cd "$build" && cpack -G DEB --config CPackConfig.cmake -B "$build/package") || fail "cpack -G DEB failed"
  debs=("$build"/package/rollcall_*.deb)
  if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
    fail "expected one rollcall_*.deb in $build/package, found: ${debs[*]}"
  fi
  deb=${debs[0]}
fi
[ -f "$deb" ] || fail "no package at $deb"
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "rollcall_${version}_${arch}.deb" ] ||
  fail "file name $(basename "$deb") is not rollcall_${version}_${arch}.deb"
ok "built $deb"

# --- what is inside ----------------------------------------------------------
dpkg-deb -I "$deb"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
[ -n "$depends" ] || fail "Depends is empty"
# adduser alone would make it non-empty: dpkg-shlibdeps must have run.
grep -q 'libc6' <<<"$depends" || fail "Depends lacks libc6: CPACK_DEBIAN_PACKAGE_SHLIBDEPS did not run"
ok "Depends lists the runtime libraries"

conffiles=$(dpkg-deb -I "$deb" conffiles) || fail "the package has no conffiles"
for f in /etc/rollcall/rollcalld.env /etc/rollcall/agent.env; do
  grep -qx "$f" <<<"$conffiles" || fail "$f is not a conffile (conffiles: $conffiles)"
done
for s in postinst prerm postrm; do
  script=$(dpkg-deb -I "$deb" "$s" 2>/dev/null) || fail "maintainer script $s missing"
  [[ "$script" == '#!/bin/sh'* ]] || fail "maintainer script $s does not start with #!/bin/sh"
done
ok "conffiles and maintainer scripts"

contents=$(dpkg-deb -c "$deb")
expect_file() { grep -q " \./${1#/}\$" <<<"$contents" || fail "the package lacks $1"; }
binaries=(rollcalld rollcall rollcall-agent rollcall-sim)
for b in "${binaries[@]}"; do expect_file "/usr/bin/$b"; done
for page in rollcall rollcalld rollcall-agent rollcall-sim; do expect_file "/usr/share/man/man1/$page.1"; done
expect_file /usr/share/bash-completion/completions/rollcall
expect_file /usr/share/zsh/vendor-completions/_rollcall
expect_file /usr/share/doc/rollcall/README.md
grep -q ' \./usr/lib/systemd/system/rollcalld.service$\| \./lib/systemd/system/rollcalld.service$' <<<"$contents" ||
  fail "the package lacks rollcalld.service"
grep -q '^-rw-r----- root/root .* \./etc/rollcall/rollcalld.env$' <<<"$contents" ||
  fail "/etc/rollcall/rollcalld.env is not -rw-r----- root/root in the package"
ok "binaries, man pages, completions, units, env files and docs are in the package"

# --- install -----------------------------------------------------------------
installed=1
"${sudo_cmd[@]}" dpkg -i "$deb" || fail "dpkg -i failed (a missing dependency? apt-get would download it: not here)"
ok "dpkg -i"

for b in "${binaries[@]}"; do
  out=$("/usr/bin/$b" --version) || fail "/usr/bin/$b --version exited $?"
  echo "  $out"
  [[ "$out" == "$b $version (commit "* ]] || fail "/usr/bin/$b --version says \"$out\", not \"$b $version (commit ...)\""
done
ok "every binary runs and reports version $version"

for page in rollcall rollcalld rollcall-agent rollcall-sim; do
  [ -f "/usr/share/man/man1/$page.1" ] || fail "/usr/share/man/man1/$page.1 not installed (dpkg path-exclude?)"
done
if command -v man >/dev/null; then
  man -w rollcall >/dev/null || fail "man -w rollcall finds no page"
fi
[ -f /usr/share/bash-completion/completions/rollcall ] || fail "bash completion not installed"
[ -f /usr/share/zsh/vendor-completions/_rollcall ] || fail "zsh completion not installed"
ok "man pages and completions installed"

mapfile -t units < <(dpkg -L rollcall | grep '/systemd/system/.*\.service$')
[ ${#units[@]} -eq 2 ] || fail "expected 2 systemd units, dpkg -L lists: ${units[*]}"
if command -v systemd-analyze >/dev/null; then
  for unit in "${units[@]}"; do
    # verify exits 0 on unknown keys and bad values, only printing them (and,
    # in a container, remarks about the host): a line naming the unit fails.
    out=$(systemd-analyze verify --man=no "$unit" 2>&1) && rc=0 || rc=$?
    [ -z "$out" ] || while IFS= read -r line; do echo "  systemd-analyze: $line"; done <<<"$out"
    if [ "$rc" -ne 0 ] || grep -q "$(basename "$unit")" <<<"$out"; then
      fail "systemd-analyze verify $unit (exit $rc)"
    fi
  done
  ok "systemd-analyze verify ${units[*]}"
else
  echo "package-check: skipped: systemd-analyze verify (not installed)"
fi

getent passwd rollcall >/dev/null || fail "no user rollcall after postinst"
getent group rollcall >/dev/null || fail "no group rollcall after postinst"
expect_mode() {
  local got
  got=$(stat -c '%a %U:%G' "$1") || fail "$1 missing"
  [ "$got" = "$2" ] || fail "$1 is $got, expected $2"
}
expect_mode /etc/rollcall/rollcalld.env "640 root:rollcall"
expect_mode /etc/rollcall/agent.env "640 root:rollcall"
expect_mode /var/lib/rollcall "750 rollcall:rollcall"
expect_mode /var/lib/rollcall-agent "750 rollcall:rollcall"
ok "user rollcall, env files 0640 root:rollcall, state directories 0750 rollcall:rollcall"

# --- remove, then purge ---------------------------------------------------------
"${sudo_cmd[@]}" dpkg -r rollcall || fail "dpkg -r rollcall failed"
[ ! -e /usr/bin/rollcalld ] || fail "/usr/bin/rollcalld is still there after dpkg -r"
[ -f /etc/rollcall/rollcalld.env ] || fail "dpkg -r removed the conffile /etc/rollcall/rollcalld.env"
ok "dpkg -r: binaries gone, configuration kept"

"${sudo_cmd[@]}" dpkg -P rollcall || fail "dpkg -P rollcall failed"
installed=0
for path in /etc/rollcall /var/lib/rollcall /var/lib/rollcall-agent; do
  [ ! -e "$path" ] || fail "$path is still there after dpkg -P"
done
getent passwd rollcall >/dev/null || fail "dpkg -P removed the user rollcall (it should stay)"
ok "dpkg -P: configuration and state gone, user rollcall kept"
echo "package-check: passed ($deb)"
