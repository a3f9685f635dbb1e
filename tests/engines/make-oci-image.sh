#!/usr/bin/env bash
# make-oci-image.sh ROOTFS OUT.tar NAME [CMD_JSON]: an OCI image layout, as
# a tarball, holding ROOTFS as its one layer, for `ctr images import` (no
# registry is reachable from the test machines). NAME:
# docker.io/library/busybox:test. CMD_JSON: the image's command, ["sh"]
# unless given.
set -euo pipefail
rootfs=${1:?usage: make-oci-image.sh ROOTFS OUT.tar NAME [CMD_JSON]} out=${2:?} name=${3:?} cmd=${4:-'["sh"]'}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/blobs/sha256"

# blob FILE: moves FILE into the blob store; prints "DIGEST SIZE".
blob() {
	local digest size
	digest=$(sha256sum "$1" | cut -d' ' -f1)
	size=$(stat -c %s "$1")
	mv "$1" "$dir/blobs/sha256/$digest"
	echo "$digest $size"
}

# Sorted, and the layout's own files dated 0: the same rootfs makes the same
# bytes (the VM tier's image cache compares checksums).
tar -C "$rootfs" --exclude=./.runac-rootfs-stamp --numeric-owner --sort=name -cf "$dir/layer" .
read -r layer layer_size < <(blob "$dir/layer")
jq -cn --arg l "sha256:$layer" --argjson cmd "$cmd" '{architecture: "amd64", os: "linux",
	config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: $cmd},
	rootfs: {type: "layers", diff_ids: [$l]}}' >"$dir/config"
read -r config config_size < <(blob "$dir/config")
jq -cn --arg c "sha256:$config" --argjson cs "$config_size" --arg l "sha256:$layer" --argjson ls "$layer_size" \
	'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
	  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$dir/manifest"
read -r manifest manifest_size < <(blob "$dir/manifest")
jq -cn --arg m "sha256:$manifest" --argjson ms "$manifest_size" --arg n "$name" \
	'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m,
	  size: $ms, annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": "test"}}]}' \
	>"$dir/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' >"$dir/oci-layout"
tar -C "$dir" --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -cf "$out" oci-layout index.json blobs
