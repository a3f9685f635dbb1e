// The container's /dev: runtime-spec's default devices, linux.devices and
// the /dev links, made inside the rootfs (mknod, or in a user namespace a
// bind of the host's node), never through a symlink and never changing a
// node of the host's.
#pragma once

#include "oci/config.hpp"

namespace runac::linux {

// Whether the config binds a /dev of its own (then runac makes no nodes).
bool binds_dev(const oci::Config& config);
// ROOT: an O_PATH fd of the rootfs. BIND: bind the host's nodes instead of
// making them (a user namespace may not mknod a device).
void create_devices(int root, const oci::Config& config, bool bind);

}  // namespace runac::linux
