// Flag parsing with runc's (urfave/cli's) rules: "-x" == "--x", "--x=v" or
// "--x v", boolean flags take an optional "=true|false", parsing stops at the
// first positional argument or "--".
#pragma once
#include <map>
#include <string>
#include <vector>

namespace runac::cli {

struct Flag {
    std::vector<std::string> names;  // first is canonical: {"bundle", "b"}
    bool takes_value = false;
};

struct Args {
    std::map<std::string, std::string> values;  // canonical name -> value ("true" for booleans)
    std::vector<std::string> positional;

    bool has(const std::string& name) const { return values.count(name) != 0; }
    bool flag(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
};

// `where` names the command in errors; `rest` receives what follows a stop
// (used by the global parser to hand the rest to the command).
Args parse_args(const std::vector<Flag>& flags, const std::vector<std::string>& argv, size_t start,
                const std::string& where, bool stop_at_positional);

}  // namespace runac::cli
