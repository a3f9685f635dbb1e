// Small file helpers used across the runtime.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace runac {

// Whole file as bytes; throws Error naming the path.
std::string read_file(const std::string& path);
// Like read_file, but std::nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path);
// What is left to read from an open file; errors name `what`.
std::string read_all(int fd, const std::string& what);
// Every byte of `data` into an open file; errors name `path`.
void write_all(int fd, const std::string& data, const std::string& path);
// Write, fsync-free but atomic: a temporary beside the target, then rename(2),
// so a reader (an engine polling a pid file or state) never sees half a file.
void write_file_atomic(const std::string& path, const std::string& data, mode_t mode = 0644);
// Write into an existing file (cgroup and /proc knobs): one write(2) call.
void write_file(const std::string& path, const std::string& data);
bool path_exists(const std::string& path);
// The directory `path` (`mode`) and its missing parents (0700: root's only,
// as runc makes them); errors name `what`.
void make_dirs(const std::string& path, mode_t mode, const std::string& what);
std::string trim(const std::string& s);
bool starts_with(const std::string& s, const std::string& prefix);
// "a,,b" -> {"a", "", "b"}: every field, empty ones too ("" -> {""}).
std::vector<std::string> split(const std::string& s, char sep);
// The lines of a text, without their "\n" (a last one without it too), as
// getline reads them: "a\n\nb\n" -> {"a", "", "b"}. No iostreams: their
// locale set-up alone costs a command most of a megabyte of memory.
std::vector<std::string> lines(const std::string& text);
// The words of a line, split on spaces and tabs: " a  b\t" -> {"a", "b"}.
std::vector<std::string> words(const std::string& line);
// A decimal number that is the whole of S ("12", not "12x" or ""); nullopt
// otherwise.
std::optional<uint64_t> parse_uint(const std::string& s);
// Absolute, lexically normalised path ("a/../b" -> "/b"); relative inputs are
// resolved against `base`.
std::string absolute_path(const std::string& path, const std::string& base);
// The names of DIR's subdirectories (none if DIR cannot be read).
std::vector<std::string> subdirectories(const std::string& dir);
// ... and of its other entries (files, sockets, fifos, pins).
std::vector<std::string> files_in(const std::string& dir);
// getcwd(3), as a string.
std::string current_dir();

}  // namespace runac
