#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of AEGIS Edge from Debian bookworm packages.
# Idempotent and quiet when everything is present. V8 comes from Debian's libnode108/libnode-dev; when a
# non-Debian nodejs blocks `apt-get install libnode-dev`, both packages are downloaded and unpacked into
# .deps/libnode (git-ignored) instead.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$here/.deps/libnode"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

packages=(
  # toolchain and build
  build-essential g++ cmake ninja-build ccache pkg-config git ca-certificates
  # libraries
  libboost1.81-dev libyaml-cpp-dev libspdlog-dev libfmt-dev prometheus-cpp-dev libhiredis-dev libssl-dev
  libnghttp2-dev libcurl4-openssl-dev nlohmann-json3-dev zlib1g-dev libjemalloc-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # runtime libraries libnode needs (also used when libnode is unpacked privately)
  libuv1 libicu72 libc-ares2 libbrotli1 libnghttp2-14 libssl3 zlib1g
  # guest toolchains
  wabt clang lld wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
  # test and benchmark peers
  redis-server nginx-light haproxy wrk nghttp2-client curl python3 valgrind
  # HTTP cache peers: bench/proxy.sh -s cache-hit and bench/cache-tests/run.sh compare aegis with them
  varnish trafficserver
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    $SUDO apt-get update -qq >/dev/null
    apt_updated=1
  fi
}

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt_update
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Do not let the peers we install for benchmarks and tests run as system services: tests start their own.
for svc in nginx haproxy redis-server varnish trafficserver; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
  fi
done

# V8 from libnode.
have_system_libnode() {
  dpkg-query -W -f='${Status}' libnode-dev 2>/dev/null | grep -q "install ok installed" &&
    [ -f /usr/include/node/v8.h ]
}
have_private_libnode() {
  [ -f "$prefix/usr/include/node/v8.h" ] && ls "$prefix"/usr/lib/x86_64-linux-gnu/libnode.so.108 >/dev/null 2>&1
}

if ! have_system_libnode && ! have_private_libnode; then
  apt_update
  if ! $SUDO apt-get install -y -qq --no-install-recommends libnode-dev >/dev/null 2>&1; then
    echo "setup: apt-get install libnode-dev is blocked here (non-Debian nodejs?); unpacking into $prefix"
    tmp="$(mktemp -d)"
    chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root libnode108 libnode-dev >/dev/null)
    mkdir -p "$prefix"
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
    rm -rf "$tmp"
    # libnode-dev's libnode.so symlink points at the versioned library inside the same prefix.
    if [ ! -e "$prefix/usr/lib/x86_64-linux-gnu/libnode.so" ]; then
      ln -sf libnode.so.108 "$prefix/usr/lib/x86_64-linux-gnu/libnode.so"
    fi
  fi
fi

# Tell CMake where V8 lives.
mkdir -p "$here/.deps"
if have_system_libnode; then
  echo "/usr" > "$here/.deps/libnode.prefix"
else
  echo "$prefix/usr" > "$here/.deps/libnode.prefix"
fi
