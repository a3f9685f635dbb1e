// runac's log, in runc's two shapes so engines can read it unchanged:
//   text: time="2006-01-02T15:04:05Z" level=error msg="..."
//   json: {"level":"error","msg":"...","time":"2006-01-02T15:04:05Z"}
// containerd's shim passes --log FILE --log-format json and reads the last
// error line back when a command fails.
#pragma once
#include <string>

namespace runac::log {

enum class Format { Text, Json };

// `path` empty = stderr.
void setup(const std::string& path, Format format, bool debug);
bool to_file();

void debug(const std::string& msg);
void info(const std::string& msg);
void warn(const std::string& msg);
void error(const std::string& msg);

// The single report of a failed command: logged, and when the log is a file,
// also printed plainly on stderr (as runc does), for the human at a terminal.
void fatal(const std::string& msg);

}  // namespace runac::log
