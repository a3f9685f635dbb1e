#include "cli/args.hpp"

#include "common/error.hpp"

namespace runac::cli {

bool Args::flag(const std::string& name) const {
    auto it = values.find(name);
    return it != values.end() && it->second != "false";
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
}

std::vector<std::string> Args::all(const std::string& name) const {
    auto it = repeated.find(name);
    return it == repeated.end() ? std::vector<std::string>{} : it->second;
}

Args parse_args(const std::vector<Flag>& flags, const std::vector<std::string>& argv, size_t start,
                const std::string& where, bool stop_at_positional) {
    Args out;
    size_t i = start;
    for (; i < argv.size(); i++) {
        const std::string& arg = argv[i];
        if (arg == "--") {
            i++;
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            if (stop_at_positional) break;
            out.positional.push_back(arg);
            continue;
        }
        std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
        std::string value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        const Flag* spec = nullptr;
        for (auto& f : flags)
            for (auto& n : f.names)
                if (n == name) spec = &f;
        if (!spec) throw Error(where + ": flag provided but not defined: -" + name);
        const std::string& canonical = spec->names[0];
        if (spec->takes_value) {
            if (!inline_value) {
                if (i + 1 >= argv.size()) throw Error(where + ": flag needs an argument: -" + name);
                value = argv[++i];
            }
        } else {
            if (!inline_value) value = "true";
            if (value != "true" && value != "false")
                throw Error(where + ": invalid boolean value \"" + value + "\" for -" + name);
        }
        out.values[canonical] = value;
        out.repeated[canonical].push_back(value);
    }
    for (; i < argv.size(); i++) out.positional.push_back(argv[i]);
    return out;
}

}  // namespace runac::cli
