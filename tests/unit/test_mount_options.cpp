// Mount options: mount(2) flags, propagation, fs data, and the recursive
// attributes of mount_setattr(2).
#include <doctest/doctest.h>

#include <sys/mount.h>

#include "linux/mount_options.hpp"

using runac::linux::parse_mount_options;

TEST_CASE("flags, propagation and filesystem data are told apart") {
    auto o = parse_mount_options({"nosuid", "ro", "rslave", "mode=755", "size=1m"});
    CHECK(o.flags == (MS_NOSUID | MS_RDONLY));
    CHECK(o.propagation == (MS_SLAVE | MS_REC));
    CHECK(o.data == "mode=755,size=1m");
    CHECK(parse_mount_options({"ro", "rw"}).flags == 0);
}

TEST_CASE("recursive attributes set and clear, the last one winning") {
    auto o = parse_mount_options({"rro", "rnosuid", "rnosymfollow"});
    CHECK(o.recursive_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOSYMFOLLOW));
    CHECK(o.recursive_clear == 0);
    CHECK(o.flags == 0);  // nothing for mount(2) itself
    auto back = parse_mount_options({"rro", "rrw"});
    CHECK(back.recursive_set == 0);
    CHECK(back.recursive_clear == MOUNT_ATTR_RDONLY);
}

TEST_CASE("an atime mode is a field: setting one clears the field first") {
    auto o = parse_mount_options({"rnoatime"});
    CHECK(o.recursive_clear == MOUNT_ATTR__ATIME);
    CHECK(o.recursive_set == MOUNT_ATTR_NOATIME);
    auto later = parse_mount_options({"rnoatime", "rstrictatime"});
    CHECK(later.recursive_set == MOUNT_ATTR_STRICTATIME);
    // Clearing one goes back to the default, relatime.
    auto cleared = parse_mount_options({"rnoatime", "ratime"});
    CHECK(cleared.recursive_clear == MOUNT_ATTR__ATIME);
    CHECK(cleared.recursive_set == MOUNT_ATTR_RELATIME);
}

TEST_CASE("idmap and ridmap") {
    CHECK(parse_mount_options({"idmap"}).idmap);
    CHECK_FALSE(parse_mount_options({"idmap"}).idmap_recursive);
    CHECK(parse_mount_options({"ridmap"}).idmap_recursive);
    CHECK_FALSE(parse_mount_options({"bind"}).idmap);
}
