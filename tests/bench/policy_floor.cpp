// policy-floor [N]: what the kernel alone charges, on this machine, for the
// layers of the Claude Code example policy
// (tests/fuzz/corpus/policy/claude-code.jsonc), step by step, with runac's
// own code where it has one (the agent seccomp filters, Landlock, the egress
// attach and forget) and the mount calls the init makes for it: the floor
// under what the policy can add to a container's lifecycle, whatever runac
// does around these calls. Root; N rounds (default 50), medians in µs.
//
// Each round: a child process in a mount namespace of its own makes the
// policy's mounts (three writable binds, two deny mounts, the secrets tmpfs
// with two files, the root read-only) on a scratch tmpfs, then restricts
// itself with Landlock (the rules of the example's plan: the root, three
// write trees, eleven device nodes and directories, the entrypoint) and
// loads the two agent filters; in the parent, the egress programs are
// attached to a fresh cgroup-v2 directory (the example's shape: names, so
// the resolver's two programs too; its deny address; refusals reported) and,
// as `delete` does, the directory removed and the container's maps forgotten.
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cgroups/cgroup.hpp"
#include "common/error.hpp"
#include "enforce/agent_seccomp.hpp"
#include "enforce/egress.hpp"
#include "enforce/landlock.hpp"
#include "linux/seccomp.hpp"

using namespace runac;

namespace {

double now_us() {
    timespec t;
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

const std::string kScratch = "/tmp/runac-policy-floor";

// The init's calls for the example's mounts, on the scratch tmpfs.
void policy_mounts() {
    const std::string w[] = {kScratch + "/workspace", kScratch + "/tmp", kScratch + "/claude"};
    for (auto& d : w) {
        ::mount(d.c_str(), d.c_str(), nullptr, MS_BIND, nullptr);
        ::mount(nullptr, d.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV, nullptr);
    }
    for (auto* deny : {"/deny-file", "/deny-dir"})
        ::mount("tmpfs", (kScratch + deny).c_str(), "tmpfs", MS_RDONLY, "mode=000");
    int fs = static_cast<int>(::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC));
    ::syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0700", 0);
    ::syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0);
    int mnt = static_cast<int>(
        ::syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    for (auto* secret : {"ANTHROPIC_API_KEY", "GITHUB_TOKEN"}) {
        int f = ::openat(mnt, secret, O_CREAT | O_WRONLY | O_CLOEXEC, 0400);
        (void)::write(f, "x", 1);
        ::close(f);
    }
    ::syscall(SYS_move_mount, mnt, "", AT_FDCWD, (kScratch + "/secrets").c_str(), MOVE_MOUNT_F_EMPTY_PATH);
    ::close(mnt);
    ::close(fs);
    ::mount(nullptr, kScratch.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr);
}

enforce::Landlock example_landlock(int abi) {
    namespace fs = enforce::fs;
    enforce::Landlock l;
    l.abi = abi;
    l.handled_fs = enforce::fs_rights_of_abi(abi);
    if (abi >= 6) l.scoped = enforce::kScopeAbstractUnixSocket | enforce::kScopeSignal;
    if (abi >= 7) l.restrict_flags = enforce::kRestrictLogNewExecOn;
    uint64_t write = l.handled_fs & ~fs::kExecute;
    l.rules.push_back({"/", fs::kRead});
    for (auto* d : {"/workspace", "/tmp", "/claude"}) l.rules.push_back({kScratch + d, write});
    for (auto* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/random", "/dev/urandom",
                      "/dev/pts", "/dev/shm", "/dev/mqueue"})
        l.rules.push_back({dev, write});
    l.rules.push_back({"/bin/true", fs::kExecute | fs::kReadFile});
    return l;
}

struct ChildTimes {
    double mounts, landlock, seccomp;
};

// One child: mounts, Landlock, seccomp, each timed; -1 on a failure.
ChildTimes in_child(const std::vector<linux::SeccompFilter>& filters, int abi) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) std::exit(1);
    pid_t pid = ::fork();
    if (pid == 0) {
        ChildTimes t{-1, -1, -1};
        try {
            ::unshare(CLONE_NEWNS);
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
            ::mkdir(kScratch.c_str(), 0755);
            ::mount("tmpfs", kScratch.c_str(), "tmpfs", 0, nullptr);
            for (auto* d : {"/workspace", "/tmp", "/claude", "/secrets", "/deny-file", "/deny-dir"})
                ::mkdir((kScratch + d).c_str(), 0755);
            double a = now_us();
            policy_mounts();
            double b = now_us();
            ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            enforce::apply_landlock(example_landlock(abi));
            double c = now_us();
            for (auto& f : filters) f.load();
            double d = now_us();
            t = {b - a, c - b, d - c};
        } catch (const std::exception& e) {
            std::fprintf(stderr, "policy-floor: %s\n", e.what());
        }
        (void)::write(pipe_fds[1], &t, sizeof t);
        ::_exit(0);
    }
    ChildTimes t{-1, -1, -1};
    if (::read(pipe_fds[0], &t, sizeof t) != sizeof t) t = {-1, -1, -1};
    ::waitpid(pid, nullptr, 0);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return t;
}

std::string unified_base() {
    for (auto& h : cgroups::discover())
        if (h.unified) return h.mountpoint + (h.own_path == "/" ? "" : h.own_path);
    throw Error("no cgroup2 hierarchy mounted");
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 50;
    std::string cgroup;
    try {
        int abi = static_cast<int>(::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1 /* VERSION */));
        abi = std::min(abi, enforce::kLandlockMaxAbi);
        if (abi < 1) throw Error("Landlock is not available");
        std::vector<linux::SeccompFilter> filters;
        for (auto& f : enforce::agent_seccomp(false)) filters.emplace_back(f, "");
        enforce::Egress egress;
        egress.filtered = egress.follow_dns = egress.report = true;
        egress.deny.push_back({"169.254.169.254/32", 0, 0});
        cgroup = unified_base() + "/runac-policy-floor";
        // Another container's programs stay attached throughout, as on a node
        // that already runs an agent: the first attachment to a hook switches
        // it on in the kernel, the last detach off, each a few hundred µs.
        std::string warm_cgroup = cgroup + "-warm";
        if (::mkdir(warm_cgroup.c_str(), 0755) != 0) throw_errno("mkdir " + warm_cgroup);
        auto warm = enforce::EgressFilter::attach(egress, warm_cgroup);
        warm.monitor_maps().drop_names();

        std::vector<double> mounts, landlock, seccomp, attach, forget;
        for (int i = 0; i <= rounds; i++) {
            ChildTimes t = in_child(filters, abi);
            if (t.mounts < 0) return 1;
            if (::mkdir(cgroup.c_str(), 0755) != 0) throw_errno("mkdir " + cgroup);
            double a = now_us();
            auto filter = enforce::EgressFilter::attach(egress, cgroup);
            double b = now_us();
            filter.keep();
            // What the monitor does as its container ends.
            filter.monitor_maps().drop_names();
            uint64_t key = filter.key();
            double c = now_us();
            if (::rmdir(cgroup.c_str()) != 0) throw_errno("rmdir " + cgroup);
            enforce::forget_egress(key);
            double d = now_us();
            // The removal of a cgroup without programs, which any container pays.
            if (::mkdir(cgroup.c_str(), 0755) != 0) throw_errno("mkdir " + cgroup);
            double e = now_us();
            if (::rmdir(cgroup.c_str()) != 0) throw_errno("rmdir " + cgroup);
            double f = now_us();
            if (i == 0) continue;  // a warm-up: the programs pinned, the caches filled
            mounts.push_back(t.mounts);
            landlock.push_back(t.landlock);
            seccomp.push_back(t.seccomp);
            attach.push_back(b - a);
            forget.push_back((d - c) - (f - e));
        }
        warm.keep();
        ::rmdir(warm_cgroup.c_str());
        enforce::forget_egress(warm.key());
        double sum = median(mounts) + median(landlock) + median(seccomp) + median(attach) + median(forget);
        std::printf("policy floor, median of %d rounds (µs): mounts %.0f, Landlock ABI %d %.0f, seccomp (2 filters) %.0f,"
                    " egress attach %.0f, egress forget and removal beyond a plain cgroup's %.0f; sum %.0f\n",
                    rounds, median(mounts), abi, median(landlock), median(seccomp), median(attach), median(forget),
                    sum);
        std::printf("bench: policy-floor %.2f ms\n", sum / 1000);
    } catch (const std::exception& e) {
        // The filters took their programs and maps off as they went.
        if (!cgroup.empty()) ::rmdir(cgroup.c_str()), ::rmdir((cgroup + "-warm").c_str());
        std::fprintf(stderr, "policy-floor: %s\n", e.what());
        return 1;
    }
    return 0;
}
