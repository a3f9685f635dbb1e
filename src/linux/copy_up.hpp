// `tmpcopyup`: a tmpfs mounted over a directory of the image starts with
// that directory's contents (Podman asks for it on /tmp, /run, /var/tmp of
// --read-only containers), as runc does.
#pragma once

namespace runac::linux {

// Copies the tree below `from` (a directory fd) into `to`: directories,
// regular files, symlinks and fifos with their modes and owners. Nothing is
// followed (every step is relative to a directory fd, O_NOFOLLOW), so an
// image's symlink cannot make runac read or write outside it; device nodes
// and sockets are not copied.
void copy_tree(int from, int to);

}  // namespace runac::linux
