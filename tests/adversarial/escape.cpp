// What an agent trying to get out of its container would do, one attempt a
// call, each printing "NAME: refused (ERRNO)" or "NAME: ALLOWED". A static
// binary of its own, so that an exec allowlist test is about this file and
// not about busybox (whose applets are all one inode).
//   escape ATTEMPT [ARG]
//   escape tcp|udp|udp-connect ADDRESS PORT   reach a destination
//   escape serve ADDRESS PORT                 a listener of the container's own
//   escape storm ADDRESS PORT N               N TCP connects; prints how many were refused
//   escape dns SERVER NAME [a|aaaa] [udp|tcp] a DNS question to SERVER:53, as a
//                                             C library asks it (connected UDP,
//                                             the reply's source checked)
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

int report(const char* name, long rc) {
    if (rc < 0) {
        std::printf("%s: refused (%s)\n", name, strerrorname_np(errno));
        return 0;
    }
    std::printf("%s: ALLOWED\n", name);
    return 0;
}

// memfd holding a copy of this program, executed through its fd.
long memfd_exec() {
    int fd = static_cast<int>(::syscall(SYS_memfd_create, "escape", 0));
    if (fd < 0) return -1;
    int self = ::open("/proc/self/exe", O_RDONLY);
    char buf[65536];
    for (ssize_t n; (n = ::read(self, buf, sizeof buf)) > 0;)
        if (::write(fd, buf, static_cast<size_t>(n)) != n) return -1;
    char* argv[] = {const_cast<char*>("escape"), const_cast<char*>("ran"), const_cast<char*>("memfd-exec"), nullptr};
    ::fexecve(fd, argv, environ);
    return -1;
}

// A memfd mapped executable: code of its own without an execve.
long memfd_mmap() {
    int fd = static_cast<int>(::syscall(SYS_memfd_create, "escape", 0));
    if (fd < 0 || ::ftruncate(fd, 4096) != 0) return -1;
    void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? -1 : 0;
}

long ptrace_child() {
    pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    long rc = ::ptrace(PTRACE_SEIZE, child, nullptr, nullptr);
    int err = errno;
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    errno = err;
    return rc;
}

long bpf_map() {
    union bpf_attr attr = {};
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    return ::syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
}

long io_uring() {
    struct io_uring_params p = {};
    return ::syscall(SYS_io_uring_setup, 1, &p);
}

long abstract_connect(const char* name) {
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) return -1;
    struct sockaddr_un a = {};
    a.sun_family = AF_UNIX;
    size_t len = std::strlen(name);
    std::memcpy(a.sun_path + 1, name, len);
    return ::connect(s, reinterpret_cast<sockaddr*>(&a), static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len));
}

// ADDRESS (IPv4 or IPv6, "::ffff:a.b.c.d" included) and PORT as a socket address.
socklen_t address_of(const char* address, const char* port, sockaddr_storage& out) {
    out = {};
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out);
    if (::inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
        return sizeof(sockaddr_in);
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    if (::inet_pton(AF_INET6, address, &in6->sin6_addr) != 1) {
        std::fprintf(stderr, "escape: %s is not an address\n", address);
        ::exit(2);
    }
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(std::atoi(port)));
    return sizeof(sockaddr_in6);
}

// A TCP connection, or a UDP datagram sent unconnected (sendto) or connected.
long reach(const std::string& how, const char* address, const char* port) {
    sockaddr_storage a;
    socklen_t len = address_of(address, port, a);
    int s = ::socket(a.ss_family, how == "tcp" ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (s < 0) return -1;
    auto* sa = reinterpret_cast<sockaddr*>(&a);
    if (how == "tcp") return ::connect(s, sa, len);
    if (how == "udp") return ::sendto(s, "escape", 6, 0, sa, len);
    if (::connect(s, sa, len) != 0) return -1;
    return ::send(s, "escape", 6, 0);
}

// A listener of the container's own: bound and listening when this returns;
// a child accepts for 10 seconds.
long serve(const char* address, const char* port) {
    sockaddr_storage a;
    socklen_t len = address_of(address, port, a);
    int s = ::socket(a.ss_family, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(s, 8) != 0) return -1;
    if (::fork() == 0) {
        ::alarm(10);
        for (;;) {
            int c = ::accept(s, nullptr, nullptr);
            if (c >= 0) ::close(c);
        }
    }
    return 0;
}

// The name's addresses as SERVER answers them: "dns NAME: ADDRESS ...",
// "dns NAME: NXDOMAIN", "dns NAME: no answer" (nothing within 3 s) or a
// refusal of the socket calls.
int dns(const char* server, const std::string& name, bool aaaa, bool tcp) {
    std::string label = "dns " + name;
    std::string q = {'\x7a', '\x01', 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};  // id, RD, one question
    for (size_t at = 0; at <= name.size();) {
        size_t dot = name.find('.', at);
        if (dot == std::string::npos) dot = name.size();
        q += static_cast<char>(dot - at);
        q += name.substr(at, dot - at);
        at = dot + 1;
    }
    q += std::string("\0\0", 2) + static_cast<char>(aaaa ? 28 : 1) + std::string("\0\1", 2);
    sockaddr_storage a, from{};
    socklen_t len = address_of(server, "53", a), from_len = sizeof from;
    int s = ::socket(a.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&a), len) != 0) return report(label.c_str(), -1);
    std::string framed = tcp ? std::string{0, static_cast<char>(q.size())} + q : q;
    if (::send(s, framed.data(), framed.size(), 0) < 0) return report(label.c_str(), -1);
    unsigned char r[4096];
    ssize_t n = 0;
    pollfd p{s, POLLIN, 0};
    if (::poll(&p, 1, 3000) != 1) {
        std::printf("%s: no answer\n", label.c_str());
        return 0;
    }
    if (tcp) {
        for (ssize_t got; n < 2 || n < 2 + (r[0] << 8 | r[1]); n += got)
            if ((got = ::recv(s, r + n, sizeof r - static_cast<size_t>(n), 0)) <= 0) return report(label.c_str(), -1);
        std::memmove(r, r + 2, static_cast<size_t>(n -= 2));
    } else {
        n = ::recvfrom(s, r, sizeof r, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) return report(label.c_str(), -1);
        // A resolver drops a reply from an address it did not ask.
        if (from_len != len || std::memcmp(&from, &a, len) != 0) {
            std::printf("%s: a reply from another address\n", label.c_str());
            return 0;
        }
    }
    if (n < 12 || r[0] != 0x7a || r[1] != 0x01) {
        std::printf("%s: not the answer\n", label.c_str());
        return 0;
    }
    if ((r[3] & 0xf) == 3) {
        std::printf("%s: NXDOMAIN\n", label.c_str());
        return 0;
    }
    // Past the header and the question, then each answer's name (labels or
    // a compression pointer), type, class, TTL and data.
    ssize_t at = static_cast<ssize_t>(q.size());
    std::string addresses;
    for (int i = 0; i < (r[6] << 8 | r[7]) && at < n; i++) {
        while (at < n && r[at] != 0 && (r[at] & 0xc0) != 0xc0) at += r[at] + 1;
        at += at < n && r[at] == 0 ? 1 : 2;
        if (at + 10 > n) break;
        int type = r[at] << 8 | r[at + 1], size = r[at + 8] << 8 | r[at + 9];
        at += 10;
        char text[INET6_ADDRSTRLEN];
        if ((type == 1 && size == 4) || (type == 28 && size == 16)) {
            ::inet_ntop(type == 1 ? AF_INET : AF_INET6, r + at, text, sizeof text);
            addresses += std::string(addresses.empty() ? "" : " ") + text;
        }
        at += size;
    }
    std::printf("%s: %s\n", label.c_str(), addresses.empty() ? "no address" : addresses.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: escape ATTEMPT [ARG]\n");
        return 2;
    }
    std::string what = argv[1];
    const char* arg = argc > 2 ? argv[2] : "";
    // ESCAPE_LINGER=SECONDS: stay a while before exiting, so that a
    // refusal's audit record is read while its process is still there.
    static double linger = std::getenv("ESCAPE_LINGER") ? std::atof(std::getenv("ESCAPE_LINGER")) : 0;
    if (linger > 0) std::atexit([] { ::usleep(static_cast<useconds_t>(linger * 1e6)); });
    if (what == "ran") {  // the program an exec attempt ran
        std::printf("%s: ALLOWED\n", arg);
        return 0;
    }
    if (what == "write") return report("write", ::open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    if (what == "read") return report("read", ::open(arg, O_RDONLY));
    if (what == "exec") {
        char* args[] = {const_cast<char*>(arg), const_cast<char*>("ran"), const_cast<char*>("exec"), nullptr};
        return report("exec", ::execve(arg, args, environ));
    }
    if (what == "memfd-exec") return report("memfd-exec", memfd_exec());
    if (what == "memfd-mmap") return report("memfd-mmap", memfd_mmap());
    if (what == "ptrace") return report("ptrace", ptrace_child());
    if (what == "mount") return report("mount", ::mount("none", "/tmp", "tmpfs", 0, nullptr));
    if (what == "unshare-user") return report("unshare-user", ::unshare(CLONE_NEWUSER));
    if (what == "unshare-mount") return report("unshare-mount", ::unshare(CLONE_NEWNS));
    if (what == "clone-newuser") {
        long rc = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0);
        if (rc == 0) ::_exit(0);
        if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, 0);
        return report("clone-newuser", rc);
    }
    if (what == "clone3") return report("clone3", ::syscall(SYS_clone3, nullptr, 0));
    if (what == "bpf") return report("bpf", bpf_map());
    if (what == "io_uring") return report("io_uring", io_uring());
    if (what == "keyctl") return report("keyctl", ::syscall(SYS_keyctl, 1 /* JOIN_SESSION_KEYRING */, "escape"));
    if (what == "raw-socket") return report("raw-socket", ::socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    if (what == "raw6-socket") return report("raw6-socket", ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
    if (what == "packet-socket") return report("packet-socket", ::socket(AF_PACKET, SOCK_RAW, 0));
    if (what == "tcp" || what == "udp" || what == "udp-connect") {
        if (argc < 4) return 2;
        return report(what.c_str(), reach(what, argv[2], argv[3]));
    }
    if (what == "dns") {
        if (argc < 4) return 2;
        std::string family = argc > 4 ? argv[4] : "a", transport = argc > 5 ? argv[5] : "udp";
        return dns(argv[2], argv[3], family == "aaaa", transport == "tcp");
    }
    if (what == "storm" && argc == 5) {
        int refused = 0, n = std::atoi(argv[4]);
        for (int i = 0; i < n; i++) {
            sockaddr_storage a;
            socklen_t len = address_of(argv[2], argv[3], a);
            int s = ::socket(a.ss_family, SOCK_STREAM, 0);
            if (::connect(s, reinterpret_cast<sockaddr*>(&a), len) != 0 && errno == EPERM) refused++;
            ::close(s);
        }
        std::printf("storm: %d of %d refused\n", refused, n);
        return 0;
    }
    if (what == "serve") return argc < 4 ? 2 : report("serve", serve(argv[2], argv[3]));
    if (what == "ping-socket") return report("ping-socket", ::socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
    if (what == "syscall") {  // a bare number, no arguments: what the filter answers for it
        std::string label = "syscall " + std::string(arg);
        return report(label.c_str(), ::syscall(std::strtol(arg, nullptr, 0), 0, 0, 0, 0, 0, 0));
    }
    if (what == "personality") return report("personality", ::personality(READ_IMPLIES_EXEC));
    if (what == "abstract-connect") return report("abstract-connect", abstract_connect(arg));
    if (what == "chmod-suid") return report("chmod-suid", ::chmod(arg, 04755));
    std::fprintf(stderr, "escape: unknown attempt %s\n", what.c_str());
    return 2;
}
