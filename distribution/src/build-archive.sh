#!/usr/bin/env bash
# Builds the distribution: odgm-VERSION/{bin/odgm, lib/odgm-node.jar, runtime/ (jlink), odgm.jvm-options}
# and its tar.gz. Arguments: version, node jar, the JDK's java.home, the output directory.
set -euo pipefail
version=$1 jar=$2 jdk=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
name="odgm-${version}"
dist="${out}/${name}"
# the modules the node jar needs (jdeps --print-module-deps on it), plus java.net.http (the OTLP trace exporter
# finds its JDK HttpClient sender by ServiceLoader, which jdeps does not see) and jdk.crypto.ec so TLS can use EC keys
modules=java.base,java.desktop,java.naming,java.net.http,java.sql,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported,jdk.crypto.ec
rm -rf "${dist}" "${out}/${name}-linux-x64.tar.gz"
mkdir -p "${dist}/bin" "${dist}/lib"
"${jdk}/bin/jlink" --add-modules "${modules}" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "${dist}/runtime"
cp "${jar}" "${dist}/lib/odgm-node.jar"
cp "${here}/odgm" "${dist}/bin/odgm"
chmod 755 "${dist}/bin/odgm"
cp "${here}/../../odgm.jvm-options" "${dist}/odgm.jvm-options"
tar -C "${out}" -czf "${out}/${name}-linux-x64.tar.gz" "${name}"
echo "odgm distribution: ${out}/${name}-linux-x64.tar.gz ($(du -sh "${out}/${name}-linux-x64.tar.gz" | cut -f1))"
