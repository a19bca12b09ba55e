#!/usr/bin/env bash
# Builds a small web-server image from the host's static busybox, as an OCI layout tarball for
# `runtsctl images import` / `ctr images import`: its Cmd is `httpd -f -v -p 80 -h /www` (a log line per request).
# usage: scripts/make-httpd-image.sh OUT.tar [NAME]   (default NAME: example.com/runts/httpd:latest)
set -euo pipefail
out=$(realpath -m "$1")
name=${2:-example.com/runts/httpd:latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/www" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/layout/blobs/sha256"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in sh httpd wget ip cat hostname sleep true echo ls ps; do ln -s busybox "$work/rootfs/bin/$a"; done
echo 'hello from runts httpd' > "$work/rootfs/www/index.html"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" bin www etc tmp
put() { # file -> prints "digest size", stores the blob
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1); size=$(stat -c %s "$1")
  cp "$1" "$work/layout/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}
read -r layer layer_size < <(put "$work/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["httpd","-f","-v","-p","80","-h","/www"],"Env":["PATH=/bin"],"ExposedPorts":{"80/tcp":{}}},"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$layer" > "$work/config.json"
read -r config config_size < <(put "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
  "$config" "$config_size" "$layer" "$layer_size" > "$work/manifest.json"
read -r manifest manifest_size < <(put "$work/manifest.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s"}}]}' \
  "$manifest" "$manifest_size" "$name" > "$work/layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
tar -C "$work/layout" -cf "$out" oci-layout index.json blobs
echo "$out: $name"
