// What execve(2) opens to run a command, found the way a shell and the
// kernel would, inside the container's own filesystem: the binary through
// PATH, the dynamic loader its ELF header names (PT_INTERP) and, for a
// script, its `#!` interpreter chain (`npm` -> `/usr/bin/env` -> `node`).
// shell.commands grants Landlock's EXECUTE on exactly these files.
#pragma once
#include <string>
#include <vector>

#include "common/json.hpp"
#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"

namespace runac::linux {

struct Executables {
    std::vector<std::string> allowed;  // absolute paths, each once
    std::vector<std::string> missing;  // commands not found through PATH
    // Those of `allowed` reached only as an ELF's interpreter (PT_INTERP):
    // the kernel opens them for an execve, they are no command of their own.
    std::vector<std::string> loaders;
};

// `commands`: names (looked up in `path_env`, a PATH value) or absolute
// paths; `entrypoint`: the container's program, already found.
Executables resolve_executables(const std::vector<std::string>& commands, const std::string& entrypoint,
                                const std::string& path_env);

// The init's step: an EXECUTE rule in `landlock` per file that
// resolve_executables allows; returns what it found, which the init
// reports to the parent ("allowed", "missing" of its Ready message).
Executables allow_executables(const std::vector<enforce::CommandRule>& commands, const std::string& entrypoint,
                              const std::vector<std::string>& env, enforce::Landlock& landlock);
void write_executables(JsonWriter& w, const Executables& found);
// The parent's: the same rules into the plan that `runac exec` applies;
// returns the commands that were not found.
std::vector<std::string> keep_executables(const JsonValue& ready, enforce::Plan& plan);

// The files a container's plan lets execute (what keep_executables added).
std::vector<std::string> allowed_executables(const enforce::Plan& plan);

// The init grants EXECUTE on what this finds (linux/init.cpp).
const std::vector<enforce::Covers>& executables_covers();

// PATH of an environment, or the default runc's programs get.
std::string path_of(const std::vector<std::string>& env);

}  // namespace runac::linux
