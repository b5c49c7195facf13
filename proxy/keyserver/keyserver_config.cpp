#include "proxy/keyserver/keyserver_config.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/config_parser.h"

namespace tlsfloor::keyserver {
namespace {

using config::ConfigError;
using config::SourceMark;

constexpr unsigned kMaxThreads = 1024;
constexpr std::string_view kTopLevelKeys[] = {
    "socket",  "socket_mode",     "socket_group",  "allowed_uids", "allowed_gids",
    "threads", "max_connections", "max_in_flight", "pkcs11",       "keys"};
constexpr std::string_view kPkcs11Keys[] = {"module"};
constexpr std::string_view kKeyKeys[] = {"name", "file", "pkcs11", "decrypt"};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {
    const std::size_t slash = source_.rfind('/');
    if (slash != std::string::npos) base_dir_ = source_.substr(0, slash == 0 ? 1 : slash);
  }

  KeyServerParse parse(std::string_view text) {
    KeyServerConfig config;
    config.source_path = source_;
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      error(mark(e.mark), "invalid YAML: " + e.msg);
      return finish(std::move(config));
    }
    if (!root.IsMap()) {
      error(SourceMark{source_, 1, 1}, "expected a map at the top level");
      return finish(std::move(config));
    }
    read_top_level(root, config);
    return finish(std::move(config));
  }

 private:
  KeyServerParse finish(KeyServerConfig config) {
    KeyServerParse result;
    if (errors_.empty()) {
      result.config = std::move(config);
    } else {
      config::sort_by_position(errors_);
      result.errors = std::move(errors_);
    }
    return result;
  }

  SourceMark mark(const YAML::Mark& at) const {
    return SourceMark{source_, at.line + 1, at.column + 1};
  }
  void error(SourceMark where, std::string message) {
    errors_.push_back(ConfigError{std::move(where), std::move(message)});
  }

  // One key of a map, with the position its errors point at: the value's, or the key's when
  // the value is missing (yaml-cpp marks a missing value on the next token, lines further down).
  struct Field {
    std::string key;
    YAML::Node node;
    SourceMark at;
  };

  // Each known key of `map` once; unknown and duplicate keys are errors.
  std::vector<Field> fields(const YAML::Node& map, std::span<const std::string_view> allowed,
                            std::string_view context) {
    std::vector<Field> out;
    for (const auto& entry : map) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string expected;
        for (const std::string_view name : allowed) {
          expected += (expected.empty() ? "" : ", ") + std::string(name);
        }
        error(mark(entry.first.Mark()), "unknown key " + quoted(key) + " " + std::string(context) +
                                            " (expected one of: " + expected + ")");
        continue;
      }
      if (std::any_of(out.begin(), out.end(), [&](const Field& seen) { return seen.key == key; })) {
        error(mark(entry.first.Mark()),
              "duplicate key " + quoted(key) + " " + std::string(context));
        continue;
      }
      const YAML::Node& value = entry.second;
      out.push_back(Field{key, value, mark(value.IsNull() ? entry.first.Mark() : value.Mark())});
    }
    return out;
  }

  std::optional<std::string> scalar(const YAML::Node& node, SourceMark at, std::string_view key) {
    if (!node.IsScalar()) {
      error(at, "expected a value for " + std::string(key));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<unsigned> number(const YAML::Node& node, SourceMark at, std::string_view key,
                                 unsigned min, unsigned max) {
    const auto text = scalar(node, at, key);
    if (!text) return std::nullopt;
    const bool digits = !text->empty() && text->size() <= 10 &&
                        text->find_first_not_of("0123456789") == std::string::npos;
    const unsigned long value = digits ? std::stoul(*text) : 0;
    if (!digits || value < min || value > max) {
      error(at, "invalid " + std::string(key) + " " + quoted(*text) +
                    " (expected an integer from " + std::to_string(min) + " to " +
                    std::to_string(max) + ")");
      return std::nullopt;
    }
    return static_cast<unsigned>(value);
  }

  std::optional<std::string> path(const YAML::Node& node, SourceMark at, std::string_view key) {
    auto text = scalar(node, at, key);
    if (!text) return std::nullopt;
    if (text->empty()) {
      error(at, std::string(key) + " must not be empty");
      return std::nullopt;
    }
    if (base_dir_.empty() || text->front() == '/') return text;
    return base_dir_ + "/" + *text;
  }

  // A user or group: a number, or a name looked up now (at start, like the socket itself).
  template <typename Id, typename Lookup>
  std::vector<Id> ids(const YAML::Node& node, SourceMark at, std::string_view key, Lookup lookup) {
    std::vector<Id> out;
    if (!node.IsSequence()) {
      error(at, "expected a list for " + std::string(key));
      return out;
    }
    for (const YAML::Node& item : node) {
      const SourceMark item_at = mark(item.Mark());
      const auto text = scalar(item, item_at, key);
      if (!text) continue;
      if (auto id = lookup(*text)) {
        out.push_back(*id);
      } else {
        error(item_at, "unknown " + std::string(key == "allowed_uids" ? "user" : "group") + " " +
                           quoted(*text) + " in " + std::string(key));
      }
    }
    return out;
  }

  static std::optional<unsigned> numeric_id(const std::string& text) {
    if (text.empty() || text.size() > 9 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return static_cast<unsigned>(std::stoul(text));
  }
  static std::optional<uid_t> user_id(const std::string& text) {
    if (auto id = numeric_id(text)) return static_cast<uid_t>(*id);
    if (const passwd* user = ::getpwnam(text.c_str())) return user->pw_uid;
    return std::nullopt;
  }
  static std::optional<gid_t> group_id(const std::string& text) {
    if (auto id = numeric_id(text)) return static_cast<gid_t>(*id);
    if (const group* found = ::getgrnam(text.c_str())) return found->gr_gid;
    return std::nullopt;
  }

  void read_top_level(const YAML::Node& root, KeyServerConfig& config) {
    bool has_socket = false;
    bool has_keys = false;
    for (const auto& [key, node, at] : fields(root, kTopLevelKeys, "at the top level")) {
      if (key == "socket") {
        has_socket = true;
        if (auto value = path(node, at, key)) {
          if (value->front() != '/') {
            error(at, "socket must be an absolute path (tlsfloor names the same path)");
          } else if (value->size() >= 108) {
            error(at, "socket path longer than a Unix socket address allows (107 bytes)");
          } else {
            config.socket = *value;
          }
        }
      } else if (key == "socket_mode") {
        const auto text = scalar(node, at, key);
        const bool octal = text && text->size() >= 3 && text->size() <= 4 &&
                           text->find_first_not_of("01234567") == std::string::npos;
        if (text && !octal) {
          error(at, "invalid socket_mode " + quoted(*text) + " (expected octal such as \"0660\")");
        } else if (text) {
          const auto mode = static_cast<mode_t>(std::stoul(*text, nullptr, 8));
          if ((mode & 07) != 0) {
            error(at, "socket_mode " + quoted(*text) +
                          " lets every user connect: use a group (socket_group, 0660)");
          } else {
            config.socket_mode = mode;
          }
        }
      } else if (key == "socket_group") {
        if (const auto text = scalar(node, at, key)) {
          if (auto gid = group_id(*text)) {
            config.socket_group = *gid;
          } else {
            error(at, "unknown group " + quoted(*text) + " for socket_group");
          }
        }
      } else if (key == "allowed_uids") {
        config.allowed_uids = ids<uid_t>(node, at, key, user_id);
      } else if (key == "allowed_gids") {
        config.allowed_gids = ids<gid_t>(node, at, key, group_id);
      } else if (key == "threads") {
        if (auto value = number(node, at, key, 0, kMaxThreads)) config.threads = *value;
      } else if (key == "max_connections") {
        if (auto value = number(node, at, key, 1, 4096)) config.max_connections = *value;
      } else if (key == "max_in_flight") {
        if (auto value = number(node, at, key, 1, 65536)) config.max_in_flight = *value;
      } else if (key == "pkcs11") {
        if (!node.IsMap()) {
          error(at, "expected a map for pkcs11");
          continue;
        }
        for (const auto& [inner, value, value_at] : fields(node, kPkcs11Keys, "in pkcs11")) {
          if (auto module = path(value, value_at, inner)) config.pkcs11_module = *module;
        }
      } else if (key == "keys") {
        has_keys = true;
        read_keys(node, at, config);
      }
    }
    if (!has_socket) error(SourceMark{source_, 1, 1}, "missing required key \"socket\"");
    if (!has_keys) error(SourceMark{source_, 1, 1}, "missing required key \"keys\"");
  }

  void read_keys(const YAML::Node& node, SourceMark at, KeyServerConfig& config) {
    if (!node.IsSequence() || node.size() == 0) {
      error(at, "keys must be a list of at least one key");
      return;
    }
    for (const YAML::Node& item : node) {
      KeyConfig key;
      key.where = mark(item.Mark());
      if (!item.IsMap()) {
        error(key.where, "expected a map for a key (name, and file or pkcs11)");
        continue;
      }
      bool named = false;
      for (const auto& [name, value, value_at] : fields(item, kKeyKeys, "in a key")) {
        if (name == "name") {
          named = true;
          if (auto text = scalar(value, value_at, name)) {
            const bool valid = !text->empty() && text->size() <= 64 &&
                               std::all_of(text->begin(), text->end(), [](char c) {
                                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                        c == '.' || c == '-';
                               });
            if (!valid) {
              error(value_at,
                    "invalid key name " + quoted(*text) + " (1-64 letters, digits, '_', '.', '-')");
            } else if (std::any_of(config.keys.begin(), config.keys.end(),
                                   [&](const KeyConfig& other) { return other.name == *text; })) {
              error(value_at, "duplicate key name " + quoted(*text));
            } else {
              key.name = *text;
            }
          }
        } else if (name == "file") {
          if (auto file = path(value, value_at, name)) key.file = *file;
        } else if (name == "pkcs11") {
          if (auto uri = scalar(value, value_at, name)) {
            if (!uri->starts_with("pkcs11:")) {
              error(value_at, "pkcs11 must be a PKCS#11 URI (pkcs11:token=...;object=...)");
            } else {
              key.pkcs11_uri = *uri;
            }
          }
        } else if (name == "decrypt") {
          if (auto text = scalar(value, value_at, name)) {
            if (*text == "true" || *text == "false") {
              key.decrypt = *text == "true";
            } else {
              error(value_at, "invalid decrypt " + quoted(*text) + " (expected true or false)");
            }
          }
        }
      }
      if (!named) {
        error(key.where, "missing required key \"name\" in a key");
      }
      if (key.file.empty() == key.pkcs11_uri.empty()) {
        error(key.where, "a key needs exactly one of file and pkcs11");
      }
      config.keys.push_back(std::move(key));
    }
  }

  std::string source_;
  std::string base_dir_;
  std::vector<ConfigError> errors_;
};

}  // namespace

KeyServerParse parse_keyserver_config(std::string_view yaml_text, const std::string& source_name) {
  return Parser(source_name).parse(yaml_text);
}

KeyServerParse load_keyserver_config(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    KeyServerParse result;
    result.errors.push_back(ConfigError{
        SourceMark{path, 0, 0}, "cannot read config file: " + std::string(std::strerror(errno))});
    return result;
  }
  std::stringstream text;
  text << file.rdbuf();
  return parse_keyserver_config(text.str(), path);
}

}  // namespace tlsfloor::keyserver
