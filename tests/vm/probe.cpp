// vm-probe: reports what the running kernel offers to a container runtime,
// one "key: value" line each, for the VM tier's probe test (tests/vm).
//
//   landlock_abi: N | none (errno)
//   bpf_prog_types: NAME... (loadable here)
//   bpf_prog_types_missing: NAME... (known to libbpf, refused by the kernel)
//   bpf_lsm: attached (lsm/HOOK) | refused: STEP: ERROR
//   bpf_lsm_cgroup: attached (lsm_cgroup/HOOK) | refused: STEP: ERROR
//
// BPF LSM is detected by loading and attaching a program that allows
// everything and detaching it at once; the LSM list in securityfs can name
// "bpf" on kernels that still refuse such programs. Exit status: 0 when the
// probe ran, 1 on a usage error.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/landlock.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

int quiet_print(enum libbpf_print_level, const char *, va_list) { return 0; }

std::string error_text(int err) {
	if (err < 0) err = -err;
	return std::string(strerrordesc_np(err) ? strerrordesc_np(err) : "unknown error") + " (" +
	       (strerrorname_np(err) ? strerrorname_np(err) : std::to_string(err)) + ")";
}

void landlock() {
	long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		std::printf("landlock_abi: none (%s)\n", error_text(errno).c_str());
	else
		std::printf("landlock_abi: %ld\n", abi);
}

void prog_types() {
	std::string have, missing;
	for (int t = 1; t < 64; t++) {
		const char *name = libbpf_bpf_prog_type_str(static_cast<enum bpf_prog_type>(t));
		if (!name) continue;
		int r = libbpf_probe_bpf_prog_type(static_cast<enum bpf_prog_type>(t), nullptr);
		std::string &list = r == 1 ? have : missing;
		list += list.empty() ? "" : " ";
		list += name;
	}
	std::printf("bpf_prog_types: %s\n", have.empty() ? "(none)" : have.c_str());
	std::printf("bpf_prog_types_missing: %s\n", missing.empty() ? "(none)" : missing.c_str());
}

// Loads "return RET" as an LSM program on HOOK with ATTACH_TYPE and attaches
// it (to the cgroup CGROUP_FD for lsm_cgroup). Returns "" or what failed.
std::string lsm_attach(struct btf *vmlinux, const char *hook, enum bpf_attach_type attach_type, int ret,
		       int cgroup_fd) {
	std::string func = std::string("bpf_lsm_") + hook;
	int id = btf__find_by_name_kind(vmlinux, func.c_str(), BTF_KIND_FUNC);
	if (id < 0) return "btf: " + func + ": " + error_text(id);
	struct bpf_insn insns[] = {
		{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, ret},
		{BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type,
		    .attach_btf_id = static_cast<__u32>(id), .log_size = sizeof log, .log_buf = log);
	int prog = bpf_prog_load(BPF_PROG_TYPE_LSM, "runac_probe", "GPL", insns, 2, &opts);
	if (prog < 0) {
		std::string why = "load: " + error_text(prog);
		if (log[0]) why += ": " + std::string(log, strcspn(log, "\n"));
		return why;
	}
	int link = bpf_link_create(prog, cgroup_fd, attach_type, nullptr);
	if (link < 0 && attach_type == BPF_LSM_MAC) link = bpf_raw_tracepoint_open(nullptr, prog);
	std::string why = link < 0 ? "attach: " + error_text(link) : "";
	if (link >= 0) close(link); // detaches: nothing outlives the probe
	close(prog);
	return why;
}

void lsm() {
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		std::printf("bpf_lsm: refused: btf: %s\n", error_text(errno).c_str());
		std::printf("bpf_lsm_cgroup: refused: btf: %s\n", error_text(errno).c_str());
		return;
	}
	std::string why = lsm_attach(vmlinux, "file_open", BPF_LSM_MAC, 0, 0);
	std::printf("bpf_lsm: %s\n", why.empty() ? "attached (lsm/file_open)" : ("refused: " + why).c_str());

	int cg = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		why = "open /sys/fs/cgroup: " + error_text(errno);
	} else {
		why = lsm_attach(vmlinux, "socket_bind", BPF_LSM_CGROUP, 1, cg);
		close(cg);
	}
	std::printf("bpf_lsm_cgroup: %s\n",
		    why.empty() ? "attached (lsm_cgroup/socket_bind)" : ("refused: " + why).c_str());
	btf__free(vmlinux);
}

} // namespace

int main(int argc, char **) {
	if (argc != 1) {
		std::fprintf(stderr, "usage: vm-probe (no arguments)\n");
		return 1;
	}
	libbpf_set_print(quiet_print);
	landlock();
	prog_types();
	lsm();
	return 0;
}
