// SPDX-License-Identifier: GPL-2.0
// The agent policy's rules that only an LSM can decide well, for one
// container: lsm_cgroup programs attached to its cgroup-v2 directory, so
// that they run for its processes only (and its sub-cgroups'), and live
// with the cgroup like the egress programs. Each create loads its own copy:
// the rules are in this object's maps and its read-only switches.
//
//   file_open           filesystem.deny by file (any link to a denied file,
//                       wherever the container reaches it) and by name below
//                       a directory (a denied path created after start);
//                       secrets.allowedTools: a secret opens only for the
//                       executables its tools name, by their inode
//   bprm_check_security shell.commands: only the allowed binaries execute
//                       (the dynamic loader only as an ELF's interpreter,
//                       never as a command: `ld.so BINARY` is refused), the
//                       list widened live by an approval (the refusal goes
//                       to the monitor's ring buffer); and no memfd executes
//   mmap_file, file_mprotect  no memfd is mapped executable
//
// Refusals are EACCES, as Landlock's and a mode-000 file's.
//
// Files are named by (device, inode), the device in the kernel's encoding
// (major << 20 | minor). The kernel structures are declared below with only
// the fields read; libbpf relocates them (CO-RE) against the running
// kernel's BTF when it loads the object.
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EACCES 13
#define PROT_EXEC 0x4
#define ALLOW 1
#define REFUSE 0

char LICENSE[] SEC("license") = "GPL";

struct super_block {
	unsigned int s_dev;
} __attribute__((preserve_access_index));

struct inode {
	struct super_block *i_sb;
	unsigned long i_ino;
	unsigned int i_nlink;
} __attribute__((preserve_access_index));

struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
} __attribute__((preserve_access_index));

struct path {
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct mm_struct {
	struct file *exe_file;
} __attribute__((preserve_access_index));

struct task_struct {
	struct mm_struct *mm;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;
} __attribute__((preserve_access_index));

struct vm_area_struct {
	struct file *vm_file;
} __attribute__((preserve_access_index));

// What this container's policy asks; set by runac before the load, so
// that the verifier drops what a policy does not use.
const volatile __u8 check_deny = 0;     // filesystem.deny
const volatile __u8 check_exec = 0;     // shell.commands: the runac_exec allowlist
const volatile __u8 check_memfd = 0;    // no executable memfd
const volatile __u8 check_secrets = 0;  // secrets.allowedTools
const volatile __u8 report_exec = 0;    // policy.escalation: prompt: refused executes go to the monitor

struct file_id {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

#define NAME_MAX_KEPT 64
// A name in a directory: a denied path that did not exist at create, by
// its parent's identity and its last component (NUL-padded).
struct name_key {
	struct file_id dir;
	char name[NAME_MAX_KEPT];
};

// A secret (its index in runac_secrets' values) and a tool's executable.
struct tool_key {
	__u32 secret;
	__u32 dev;
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct file_id);
	__type(value, __u8);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} runac_deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct name_key);
	__type(value, __u8);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} runac_deny_names SEC(".maps");

// The executables shell.commands allows; runac adds an approved one live.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct file_id);
	__type(value, __u8);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} runac_exec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct file_id);
	__type(value, __u32);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} runac_secrets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct tool_key);
	__type(value, __u8);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} runac_tools SEC(".maps");

// A refused execute, for the monitor (an approval request): who, and the
// file by identity and name.
struct exec_refusal {
	__u32 pid;
	__u32 dev;
	__u64 ino;
	char comm[16];
	char name[NAME_MAX_KEPT];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} runac_exec_refused SEC(".maps");

static __always_inline struct file_id id_of_inode(struct inode *inode)
{
	struct file_id id = {};
	id.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	id.ino = BPF_CORE_READ(inode, i_ino);
	return id;
}

static __always_inline int refuse(void)
{
	bpf_set_retval(-EACCES);
	return REFUSE;
}

// A memfd: an unlinked file whose name memfd_create(2) made "memfd:NAME".
static __always_inline int is_memfd(struct file *file)
{
	char prefix[8] = {};
	if (!file || BPF_CORE_READ(file, f_inode, i_nlink) != 0)
		return 0;
	const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel(prefix, 6, name) != 0)
		return 0;
	return prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
	       prefix[5] == ':';
}

// Deeper than any path a policy denies below; the walk stops at the
// file system's root before.
#define MAX_DEPTH 24

// Whether FILE, or a directory it lies in, is denied by identity, or lies
// at (or below) a denied name.
static __always_inline int denied(struct file *file)
{
	struct file_id id = id_of_inode(BPF_CORE_READ(file, f_inode));
	if (bpf_map_lookup_elem(&runac_deny, &id))
		return 1;
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct name_key key;
	for (int i = 0; i < MAX_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d)
			return 0;
		__builtin_memset(&key, 0, sizeof key);
		key.dir = id_of_inode(BPF_CORE_READ(parent, d_inode));
		if (bpf_map_lookup_elem(&runac_deny, &key.dir))
			return 1;
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		if (bpf_probe_read_kernel_str(key.name, sizeof key.name, name) < 0)
			return 0;
		if (bpf_map_lookup_elem(&runac_deny_names, &key))
			return 1;
		d = parent;
	}
	return 0;
}

// Whether the calling process's executable is one of SECRET's tools.
static __always_inline int tool_of(__u32 secret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file_id exe = id_of_inode(BPF_CORE_READ(task, mm, exe_file, f_inode));
	struct tool_key key = {.secret = secret, .dev = exe.dev, .ino = exe.ino};
	return bpf_map_lookup_elem(&runac_tools, &key) != 0;
}

SEC("lsm_cgroup/file_open")
int BPF_PROG(runac_file_open, struct file *file)
{
	if (check_secrets) {
		struct file_id id = id_of_inode(BPF_CORE_READ(file, f_inode));
		__u32 *secret = bpf_map_lookup_elem(&runac_secrets, &id);
		if (secret && !tool_of(*secret))
			return refuse();
	}
	if (check_deny && denied(file))
		return refuse();
	return ALLOW;
}

SEC("lsm_cgroup/bprm_check_security")
int BPF_PROG(runac_bprm_check, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	if (check_memfd && is_memfd(file))
		return refuse();
	if (check_exec) {
		struct file_id id = id_of_inode(BPF_CORE_READ(file, f_inode));
		if (bpf_map_lookup_elem(&runac_exec, &id))
			return ALLOW;
		struct exec_refusal *r = report_exec ? bpf_ringbuf_reserve(&runac_exec_refused, sizeof *r, 0) : 0;
		if (r) {
			r->pid = bpf_get_current_pid_tgid() >> 32;
			r->dev = id.dev;
			r->ino = id.ino;
			bpf_get_current_comm(r->comm, sizeof r->comm);
			const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
			if (bpf_probe_read_kernel_str(r->name, sizeof r->name, name) < 0)
				r->name[0] = 0;
			bpf_ringbuf_submit(r, 0);
		}
		return refuse();
	}
	return ALLOW;
}

SEC("lsm_cgroup/mmap_file")
int BPF_PROG(runac_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot, unsigned long flags)
{
	if (check_memfd && (prot & PROT_EXEC) && is_memfd(file))
		return refuse();
	return ALLOW;
}

SEC("lsm_cgroup/file_mprotect")
int BPF_PROG(runac_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot)
{
	if (check_memfd && (prot & PROT_EXEC) && is_memfd(BPF_CORE_READ(vma, vm_file)))
		return refuse();
	return ALLOW;
}
