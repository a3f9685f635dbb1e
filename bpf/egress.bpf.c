// SPDX-License-Identifier: GPL-2.0
// network.egress and network.deny, decided in the kernel for every socket
// of a container: attached to its cgroup-v2 directory before its first
// process exists. The programs are loaded once per boot and shared by every
// container (the verifier's milliseconds are paid once); each container's
// rules are maps of its own, found through the outer maps below by the key
// its attachment's cgroup storage holds (runac_settings).
//
// Order of the decision, for a TCP connect, a connected or unconnected UDP
// datagram: a denied network refuses; a listener the container's own
// processes bound is reachable (the dev server the agent started); an
// allowed network with the port and protocol allows; anything else is
// refused (EPERM), unless the policy restricts no egress (deny only).
//
// When the policy names hosts, port 53 of any address goes to the monitor's
// resolver (connect and sendmsg rewrite the destination, recvmsg gives the
// reply the source the query was sent to), and the addresses it answered
// are allowed, each until its TTL runs out.
//
// Only the UAPI context structures are read, so the object needs no kernel
// BTF and no relocation: it loads on any kernel with the helpers it calls.
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

#define ALLOW 1
#define REFUSE 0

char LICENSE[] SEC("license") = "GPL";

// A network with a port and a protocol. The trie matches the key's bytes
// from the first: protocol and port always in full (32 bits), then
// `prefixlen - 32` bits of the address. Port 0: any port; protocol 0 (deny
// entries): any protocol. Port and address in network byte order.
struct net4_key {
	__u32 prefixlen;
	__u8 protocol;
	__u8 pad;
	__u16 port;
	__u32 addr;
};

struct net6_key {
	__u32 prefixlen;
	__u8 protocol;
	__u8 pad;
	__u16 port;
	__u32 addr[4];
};

// Each container's maps, by its key. The inner maps' shapes are here (and
// in src/enforce/egress.cpp, which makes them for each container), their
// keys and values given by size: clang leaves types reached only through
// them as forward declarations.
#define PER_CONTAINER(name, inner)                           \
	struct {                                                 \
		__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);             \
		__type(key, __u64);                                  \
		__uint(max_entries, 65536);                          \
		__uint(map_flags, BPF_F_NO_PREALLOC);                \
		__array(values, struct inner);                       \
	} name SEC(".maps")

struct nets4 {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(key_size, sizeof(struct net4_key));
	__uint(value_size, sizeof(__u8));
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

struct nets6 {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(key_size, sizeof(struct net6_key));
	__uint(value_size, sizeof(__u8));
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

PER_CONTAINER(runac_allow4, nets4);
PER_CONTAINER(runac_allow6, nets6);
PER_CONTAINER(runac_deny4, nets4);
PER_CONTAINER(runac_deny6, nets6);

// What differs between containers besides their maps, in the storage of
// the attachment (the container's cgroup, shared by its programs): its key
// (0 until runac has set it: everything is refused then) and its policy's
// switches.
struct settings {
	__u64 key;
	__u8 egress_open;     // no egress list, only network.deny
	__u8 follow_dns;      // the policy names hosts: port 53 goes to the resolver
	__u8 report_denials;  // the monitor records refusals
	__u8 pad[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, __u64);
	__type(value, struct settings);
} runac_settings SEC(".maps");

// Marks the sockets a container's processes bound with its key: a
// connection to a listener that carries its own key stays inside the
// container's own work.
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runac_own SEC(".maps");

// The addresses the monitors' resolvers answered for an allowed name, each
// with its container's key and the protocol and port of the egress rule
// that names it (port 0: any), valid until `bpf_ktime_get_boot_ns()`
// passes the value. One map for every container (a hash map's buckets
// cost milliseconds to set up: once per boot, not per create); each
// monitor writes only its container's entries, at most 16384 of them.
struct name4_key {
	__u64 container;
	__u8 protocol;
	__u8 pad;
	__u16 port;
	__u32 addr;
};

struct name6_key {
	__u64 container;
	__u8 protocol;
	__u8 pad;
	__u16 port;
	__u32 addr[4];
	__u32 pad2;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct name4_key);
	__type(value, __u64);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} runac_names4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct name6_key);
	__type(value, __u64);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} runac_names6 SEC(".maps");

// Where the monitor's resolver listens in the container's network
// namespace (UDP and TCP, one port): every port-53 destination is sent
// there instead. Port 0 until the resolver is up: DNS is refused then.
struct resolver {
	__u32 addr4;  // network order
	__u32 addr6[4];
	__u16 port;   // network order
	// Read by runac only: the container holds no entry in the name maps
	// (it has no resolver, or its monitor took them out as it ended).
	__u16 no_names;
};

struct resolver_slot {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct resolver));
	__uint(max_entries, 1);
};

PER_CONTAINER(runac_resolver, resolver_slot);

// A UDP socket's DNS server as the program found it: replies from the
// resolver are given that source back (resolvers check who answered).
struct dns_peer {
	__u32 addr4;
	__u32 addr6[4];
	__u16 port;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dns_peer);
} runac_dns_peer SEC(".maps");

// What a refusal reports to the monitor (policy.auditLog), through a ring
// buffer it reads: who (the host pid and command name) and where.
struct denial {
	__u32 pid;
	__u8 family;    // AF_INET, AF_INET6; 0: a socket() refused
	__u8 protocol;  // the socket's (for socket(): its protocol number)
	__u16 port;     // network order
	__u32 addr[4];  // IPv4 in addr[0]
	char comm[16];
	__u8 rule;      // DENIED_BY_*
	__u8 pad[3];
};

#define DENIED_BY_DENY 1    // network.deny
#define DENIED_BY_EGRESS 2  // not in network.egress
#define DENIED_BY_SOCKET 3  // not a TCP or UDP socket

// About 1100 reports: the monitor reads them as they come, and a burst
// beyond is counted. Each create makes one; a larger ring costs its
// mapping (256 KiB took ten times as long to make as 64 KiB here).
struct denials_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
};

PER_CONTAINER(runac_denials, denials_ring);

// Reports a full ring could not take: the monitor counts them in the log.
struct lost_count {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
	__uint(max_entries, 1);
};

PER_CONTAINER(runac_lost, lost_count);

// The settings of the container whose attachment runs the program; 0 when
// runac has not finished setting it up (the caller refuses).
static __always_inline struct settings *container(void)
{
	struct settings *s = bpf_get_local_storage(&runac_settings, 0);
	return s->key ? s : 0;
}

// A full ring drops the report, never the refusal.
static __always_inline int refuse(const struct settings *s, __u8 rule, __u8 family, __u8 protocol, __u16 port,
				  const __u32 *addr6, __u32 addr4)
{
	if (!s->report_denials)
		return REFUSE;
	__u64 key = s->key;
	void *ring = bpf_map_lookup_elem(&runac_denials, &key);
	if (!ring)
		return REFUSE;
	struct denial *d = bpf_ringbuf_reserve(ring, sizeof(*d), 0);
	if (!d) {
		__u32 zero = 0;
		void *count = bpf_map_lookup_elem(&runac_lost, &key);
		__u64 *lost = count ? bpf_map_lookup_elem(count, &zero) : 0;
		if (lost)
			__sync_fetch_and_add(lost, 1);
		return REFUSE;
	}
	d->pid = bpf_get_current_pid_tgid() >> 32;
	d->family = family;
	d->protocol = protocol;
	d->port = port;
	d->rule = rule;
	if (addr6) {
		d->addr[0] = addr6[0];
		d->addr[1] = addr6[1];
		d->addr[2] = addr6[2];
		d->addr[3] = addr6[3];
	} else {
		d->addr[0] = addr4;
		d->addr[1] = d->addr[2] = d->addr[3] = 0;
	}
	bpf_get_current_comm(d->comm, sizeof(d->comm));
	bpf_ringbuf_submit(d, 0);
	return REFUSE;
}

static __always_inline int in_nets4(void *nets, __u8 protocol, __u16 port, __u32 addr)
{
	struct net4_key k = {.prefixlen = 64, .protocol = protocol, .port = port, .addr = addr};
	if (bpf_map_lookup_elem(nets, &k))
		return 1;
	k.port = 0;
	return bpf_map_lookup_elem(nets, &k) != 0;
}

static __always_inline int in_nets6(void *nets, __u8 protocol, __u16 port, const __u32 *addr)
{
	struct net6_key k = {.prefixlen = 160, .protocol = protocol, .port = port};
	k.addr[0] = addr[0];
	k.addr[1] = addr[1];
	k.addr[2] = addr[2];
	k.addr[3] = addr[3];
	if (bpf_map_lookup_elem(nets, &k))
		return 1;
	k.port = 0;
	return bpf_map_lookup_elem(nets, &k) != 0;
}

// The resolver answered the key's address for its port, or for any port,
// and the answer's TTL has not run out.
static __always_inline int answered(void *names, void *key, __u16 *port)
{
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 *until = bpf_map_lookup_elem(names, key);
	if (until && *until > now)
		return 1;
	*port = 0;
	until = bpf_map_lookup_elem(names, key);
	return until && *until > now;
}

static __always_inline int resolved4(const struct settings *s, __u8 protocol, __u16 port, __u32 addr)
{
	struct name4_key k = {.container = s->key, .protocol = protocol, .port = port, .addr = addr};
	return answered(&runac_names4, &k, &k.port);
}

static __always_inline int resolved6(const struct settings *s, __u8 protocol, __u16 port, const __u32 *addr)
{
	struct name6_key k = {.container = s->key, .protocol = protocol, .port = port};
	__builtin_memcpy(k.addr, addr, 16);
	return answered(&runac_names6, &k, &k.port);
}

static __always_inline int own_listener(const struct settings *s, struct bpf_sock_addr *ctx, struct bpf_sock_tuple *t,
					__u32 size)
{
	struct bpf_sock *sk;
	if (ctx->protocol == IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(ctx, t, size, BPF_F_CURRENT_NETNS, 0);
	else
		sk = bpf_sk_lookup_udp(ctx, t, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	__u64 *owner = bpf_sk_storage_get(&runac_own, sk, 0, 0);
	int own = owner && *owner == s->key;
	bpf_sk_release(sk);
	return own;
}

// A container whose maps are missing (being set up or taken down) is
// refused everything.
static __always_inline int decide4(struct bpf_sock_addr *ctx, const struct settings *s, __u32 addr, __u16 port)
{
	__u64 key = s->key;
	void *deny = bpf_map_lookup_elem(&runac_deny4, &key);
	void *allow = bpf_map_lookup_elem(&runac_allow4, &key);
	if (!deny || !allow)
		return REFUSE;
	__u8 protocol = ctx->protocol;
	if (in_nets4(deny, 0, 0, addr))
		return refuse(s, DENIED_BY_DENY, AF_INET, protocol, port, 0, addr);
	struct bpf_sock_tuple t = {};
	t.ipv4.daddr = addr;
	t.ipv4.dport = port;
	if (own_listener(s, ctx, &t, sizeof(t.ipv4)))
		return ALLOW;
	if (s->egress_open || in_nets4(allow, protocol, port, addr) || resolved4(s, protocol, port, addr))
		return ALLOW;
	return refuse(s, DENIED_BY_EGRESS, AF_INET, protocol, port, 0, addr);
}

// The container's resolver, if it is up.
static __always_inline struct resolver *resolver_of(const struct settings *s)
{
	__u64 key = s->key;
	__u32 zero = 0;
	void *slot = bpf_map_lookup_elem(&runac_resolver, &key);
	return slot ? bpf_map_lookup_elem(slot, &zero) : 0;
}

// Port 53 anywhere goes to the resolver (which refuses names the policy
// does not allow): no query leaves the container on its own.
static __always_inline int to_resolver4(struct bpf_sock_addr *ctx, const struct settings *s)
{
	struct resolver *r = resolver_of(s);
	if (!r || !r->port)
		return REFUSE;
	if (ctx->protocol == IPPROTO_UDP) {
		struct dns_peer *peer = bpf_sk_storage_get(&runac_dns_peer, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!peer)
			return REFUSE;
		peer->addr4 = ctx->user_ip4;
		peer->port = (__u16)ctx->user_port;
	}
	ctx->user_ip4 = r->addr4;
	ctx->user_port = r->port;
	return ALLOW;
}

// An IPv4 address in IPv6 form (::ffff:a.b.c.d) is decided as IPv4.
static __always_inline int decide6(struct bpf_sock_addr *ctx, const struct settings *s)
{
	__u32 addr[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
	__u16 port = (__u16)ctx->user_port;
	if (addr[0] == 0 && addr[1] == 0 && addr[2] == bpf_htonl(0xffff))
		return decide4(ctx, s, addr[3], port);
	__u64 key = s->key;
	void *deny = bpf_map_lookup_elem(&runac_deny6, &key);
	void *allow = bpf_map_lookup_elem(&runac_allow6, &key);
	if (!deny || !allow)
		return REFUSE;
	if (in_nets6(deny, 0, 0, addr))
		return refuse(s, DENIED_BY_DENY, AF_INET6, ctx->protocol, port, addr, 0);
	struct bpf_sock_tuple t = {};
	__builtin_memcpy(t.ipv6.daddr, addr, sizeof(addr));
	t.ipv6.dport = port;
	if (own_listener(s, ctx, &t, sizeof(t.ipv6)))
		return ALLOW;
	if (s->egress_open || in_nets6(allow, ctx->protocol, port, addr) || resolved6(s, ctx->protocol, port, addr))
		return ALLOW;
	return refuse(s, DENIED_BY_EGRESS, AF_INET6, ctx->protocol, port, addr, 0);
}

static __always_inline int to_resolver6(struct bpf_sock_addr *ctx, const struct settings *s)
{
	struct resolver *r = resolver_of(s);
	if (!r || !r->port || !r->addr6[3])
		return REFUSE;
	if (ctx->protocol == IPPROTO_UDP) {
		struct dns_peer *peer = bpf_sk_storage_get(&runac_dns_peer, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!peer)
			return REFUSE;
		peer->addr6[0] = ctx->user_ip6[0];
		peer->addr6[1] = ctx->user_ip6[1];
		peer->addr6[2] = ctx->user_ip6[2];
		peer->addr6[3] = ctx->user_ip6[3];
		peer->port = (__u16)ctx->user_port;
	}
	ctx->user_ip6[0] = r->addr6[0];
	ctx->user_ip6[1] = r->addr6[1];
	ctx->user_ip6[2] = r->addr6[2];
	ctx->user_ip6[3] = r->addr6[3];
	ctx->user_port = r->port;
	return ALLOW;
}

static __always_inline int is_dns(struct bpf_sock_addr *ctx, const struct settings *s)
{
	return s->follow_dns && (__u16)ctx->user_port == bpf_htons(53);
}

static __always_inline int to4(struct bpf_sock_addr *ctx)
{
	struct settings *s = container();
	if (!s)
		return REFUSE;
	if (is_dns(ctx, s))
		return to_resolver4(ctx, s);
	return decide4(ctx, s, ctx->user_ip4, (__u16)ctx->user_port);
}

static __always_inline int to6(struct bpf_sock_addr *ctx)
{
	struct settings *s = container();
	if (!s)
		return REFUSE;
	if (is_dns(ctx, s))
		return to_resolver6(ctx, s);
	return decide6(ctx, s);
}

SEC("cgroup/connect4")
int runac_connect4(struct bpf_sock_addr *ctx)
{
	return to4(ctx);
}

SEC("cgroup/connect6")
int runac_connect6(struct bpf_sock_addr *ctx)
{
	return to6(ctx);
}

// Unconnected UDP: each datagram's destination.
SEC("cgroup/sendmsg4")
int runac_sendmsg4(struct bpf_sock_addr *ctx)
{
	return to4(ctx);
}

SEC("cgroup/sendmsg6")
int runac_sendmsg6(struct bpf_sock_addr *ctx)
{
	return to6(ctx);
}

// A reply from the resolver carries the address the query was sent to.
SEC("cgroup/recvmsg4")
int runac_recvmsg4(struct bpf_sock_addr *ctx)
{
	struct settings *s = container();
	struct resolver *r = s ? resolver_of(s) : 0;
	if (!r || ctx->user_ip4 != r->addr4 || (__u16)ctx->user_port != r->port)
		return ALLOW;
	struct dns_peer *peer = bpf_sk_storage_get(&runac_dns_peer, ctx->sk, 0, 0);
	if (peer && peer->port) {
		ctx->user_ip4 = peer->addr4;
		ctx->user_port = peer->port;
	}
	return ALLOW;
}

SEC("cgroup/recvmsg6")
int runac_recvmsg6(struct bpf_sock_addr *ctx)
{
	struct settings *s = container();
	struct resolver *r = s ? resolver_of(s) : 0;
	if (!r || ctx->user_ip6[0] != r->addr6[0] || ctx->user_ip6[1] != r->addr6[1] ||
	    ctx->user_ip6[2] != r->addr6[2] || ctx->user_ip6[3] != r->addr6[3] || (__u16)ctx->user_port != r->port)
		return ALLOW;
	struct dns_peer *peer = bpf_sk_storage_get(&runac_dns_peer, ctx->sk, 0, 0);
	if (peer && peer->port) {
		ctx->user_ip6[0] = peer->addr6[0];
		ctx->user_ip6[1] = peer->addr6[1];
		ctx->user_ip6[2] = peer->addr6[2];
		ctx->user_ip6[3] = peer->addr6[3];
		ctx->user_port = peer->port;
	}
	return ALLOW;
}

// TCP and UDP only: no raw, ICMP, SCTP or MPTCP socket, whose traffic the
// programs above would not see, even if a capability slipped through.
SEC("cgroup/sock_create")
int runac_sock(struct bpf_sock *ctx)
{
	struct settings *s = container();
	if (!s)
		return REFUSE;
	if (ctx->family != AF_INET && ctx->family != AF_INET6)
		return ALLOW;
	if (ctx->type == SOCK_STREAM && ctx->protocol == IPPROTO_TCP)
		return ALLOW;
	if (ctx->type == SOCK_DGRAM && ctx->protocol == IPPROTO_UDP)
		return ALLOW;
	return refuse(s, DENIED_BY_SOCKET, 0, ctx->protocol, 0, 0, 0);
}

static __always_inline int mark_own(struct bpf_sock *ctx)
{
	// Without the mark a listener is not the container's own: refusing the
	// bind says so now, rather than a connect refused later.
	struct settings *s = container();
	if (!s)
		return REFUSE;
	__u64 *owner = bpf_sk_storage_get(&runac_own, ctx, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!owner)
		return REFUSE;
	*owner = s->key;
	return ALLOW;
}

SEC("cgroup/post_bind4")
int runac_bind4(struct bpf_sock *ctx)
{
	return mark_own(ctx);
}

SEC("cgroup/post_bind6")
int runac_bind6(struct bpf_sock *ctx)
{
	return mark_own(ctx);
}
