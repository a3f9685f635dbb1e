// The -ENOSYS stub in front of a seccomp profile, run by the kernel: a
// child loads the stub followed by "allow everything" and makes one call.
#include <doctest/doctest.h>

#include <cerrno>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/seccomp_enosys.hpp"

using runac::linux::enosys_stub;

namespace {

runac::oci::Seccomp profile(const std::string& default_action, std::vector<std::string> names) {
    runac::oci::Seccomp s;
    s.default_action = default_action;
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    s.syscalls.push_back({});
    s.syscalls.back().names = std::move(names);
    s.syscalls.back().action = "SCMP_ACT_ALLOW";
    return s;
}

// The errno call NR gets under the stub (0: it went through).
int answer(const std::string& stub, long nr) {
    pid_t child = ::fork();
    if (child == 0) {
        std::string program = stub;
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        program.append(reinterpret_cast<const char*>(&allow), sizeof allow);
        struct sock_fprog prog = {static_cast<unsigned short>(program.size() / sizeof allow),
                                  reinterpret_cast<struct sock_filter*>(program.data())};
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
            ::_exit(255);
        ::_exit(::syscall(nr, 0, 0, 0) < 0 ? errno : 0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

#if defined(__x86_64__)
TEST_CASE("a call numbered above every one the profile names gets ENOSYS; the others go on to the profile") {
    std::string stub = enosys_stub(profile("SCMP_ACT_ERRNO", {"getpid", "getppid"}));  // 39, 110
    REQUIRE(!stub.empty());
    CHECK(answer(stub, SYS_getpgrp) == ENOSYS);  // 111
    CHECK(answer(stub, SYS_getppid) == 0);
    CHECK(answer(stub, SYS_getuid) == 0);  // 102: unnamed, but the profile's to answer
}
#endif

TEST_CASE("no stub when the default action lets calls through or already answers ENOSYS") {
    CHECK(enosys_stub(profile("SCMP_ACT_ALLOW", {"getpid"})).empty());
    CHECK(enosys_stub(profile("SCMP_ACT_LOG", {"getpid"})).empty());
    auto enosys = profile("SCMP_ACT_ERRNO", {"getpid"});
    enosys.default_errno_ret = ENOSYS;
    CHECK(enosys_stub(enosys).empty());
    CHECK(!enosys_stub(profile("SCMP_ACT_KILL", {"getpid"})).empty());
}
