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
    std::map<std::string, std::string> values;  // canonical name -> last value ("true" for booleans)
    std::map<std::string, std::vector<std::string>> repeated;  // every value, for flags given several times
    std::vector<std::string> positional;

    bool has(const std::string& name) const { return values.count(name) != 0; }
    bool flag(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
    // Every value of a flag that may be repeated (`exec --env A=1 --env B=2`).
    std::vector<std::string> all(const std::string& name) const;
};

// `where` names the command in errors; `rest` receives what follows a stop
// (used by the global parser to hand the rest to the command).
Args parse_args(const std::vector<Flag>& flags, const std::vector<std::string>& argv, size_t start,
                const std::string& where, bool stop_at_positional);

}  // namespace runac::cli
