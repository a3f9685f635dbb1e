# Turns an engine's seccomp profile (Docker's/Podman's format, with
# includes/excludes per capability and architecture) into the OCI
# linux.seccomp an engine would send for an x86_64 container holding the
# capabilities in $caps (a JSON array of names).
#   jq --argjson caps '["CAP_KILL"]' -f seccomp-profile.jq /usr/share/containers/seccomp.json
def holds($list): ($list // []) | all(. as $c | $caps | index($c));
def arch_ok($list): ($list // []) | length == 0 or (index("amd64") != null);
{
  defaultAction,
  defaultErrnoRet,
  architectures: (.archMap[] | select(.architecture == "SCMP_ARCH_X86_64") | [.architecture] + .subArchitectures),
  syscalls: [
    .syscalls[]
    | select(holds(.includes.caps) and arch_ok(.includes.arches))
    | select(((.excludes.caps // []) | any(. as $c | $caps | index($c))) | not)
    | {names, action} + (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)
  ]
}
