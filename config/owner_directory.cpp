#include "config/owner_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "config/config_parser.h"
#include "config/file_io.h"
#include "config/name_checks.h"

namespace tlsfloor::config {
namespace {

constexpr std::string_view kOwnerKeys[] = {"name", "contacts", "link", "match"};
constexpr std::string_view kMatchKeys[] = {
    "clients", "server_names", "routes", "families", "ja4", "exceptions", "certificate_subjects"};
constexpr std::size_t kMaxText = 1024;  // a contact, a link

// Walks one directory file, collecting every error with its position (1-based).
class DirectoryParser {
 public:
  explicit DirectoryParser(std::string source) : source_(std::move(source)) {}

  OwnerDirectoryParse parse(std::string_view text) {
    OwnerDirectory directory;
    directory.source_path = source_;
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      error(mark(e.mark), "invalid YAML: " + e.msg);
      return finish(std::move(directory));
    }
    if (!root.IsMap()) {
      error(SourceMark{source_, 1, 1}, "expected a map with an `owners` list at the top level");
      return finish(std::move(directory));
    }
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      if (key != "owners") {
        error(mark(entry.first.Mark()), "unknown key \"" + key + "\" (expected: owners)");
        continue;
      }
      if (!entry.second.IsSequence()) {
        error(mark(entry.second.Mark()), "owners: expected a list of owners");
        continue;
      }
      for (const YAML::Node& owner : entry.second) read_owner(owner, directory);
    }
    if (directory.owners.size() > kMaxOwners) {
      error(SourceMark{source_, 1, 1}, "more than " + std::to_string(kMaxOwners) + " owners");
    }
    return finish(std::move(directory));
  }

 private:
  OwnerDirectoryParse finish(OwnerDirectory directory) {
    OwnerDirectoryParse result;
    sort_by_position(errors_);
    if (errors_.empty()) {
      result.directory = std::move(directory);
    } else {
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

  // Reports unknown and repeated keys; calls `read(key, value)` for the others.
  template <typename Read>
  void fields(const YAML::Node& map, std::span<const std::string_view> known,
              std::string_view context, Read read) {
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string expected;
        for (const std::string_view name : known) {
          expected += (expected.empty() ? "" : ", ") + std::string(name);
        }
        error(mark(entry.first.Mark()), "unknown key \"" + key + "\" " + std::string(context) +
                                            " (expected: " + expected + ")");
        continue;
      }
      if (!seen.insert(key).second) {
        error(mark(entry.first.Mark()), "\"" + key + "\" is given twice " + std::string(context));
        continue;
      }
      read(key, entry.second);
    }
  }

  // A scalar string, or an error naming `what`.
  std::optional<std::string> text(const YAML::Node& node, std::string_view what) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      error(mark(node.Mark()), std::string(what) + ": expected a non-empty string");
      return std::nullopt;
    }
    if (node.Scalar().size() > kMaxText) {
      error(mark(node.Mark()),
            std::string(what) + ": longer than " + std::to_string(kMaxText) + " characters");
      return std::nullopt;
    }
    return node.Scalar();
  }

  // Each string of a list (a single string is a list of one), checked by `check`.
  template <typename Check>
  void strings(const YAML::Node& node, std::string_view what, Check check) {
    const auto one = [&](const YAML::Node& item) {
      if (++values_ > kMaxOwnerValues) {
        if (values_ == kMaxOwnerValues + 1) {
          error(mark(item.Mark()),
                "more than " + std::to_string(kMaxOwnerValues) + " match values in the directory");
        }
        return;
      }
      if (const auto value = text(item, what)) check(*value, mark(item.Mark()));
    };
    if (node.IsSequence()) {
      if (node.size() == 0) error(mark(node.Mark()), std::string(what) + ": the list is empty");
      for (const YAML::Node& item : node) one(item);
    } else {
      one(node);
    }
  }

  void read_owner(const YAML::Node& node, OwnerDirectory& directory) {
    OwnerConfig owner;
    owner.where = mark(node.Mark());
    if (!node.IsMap()) {
      error(owner.where, "an owner: expected a map with name, contacts, link and match");
      return;
    }
    bool has_match = false;
    fields(node, kOwnerKeys, "in an owner", [&](const std::string& key, const YAML::Node& value) {
      if (key == "name") {
        const auto name = text(value, "name");
        if (!name) return;
        if (!is_valid_name(*name) || name->size() > 64) {
          error(mark(value.Mark()),
                "name: \"" + *name +
                    "\" is not a valid owner name (letters, digits, '_', '.', '-'; at most 64)");
        } else if (*name == kUnowned) {
          error(mark(value.Mark()),
                "name: \"unowned\" is what handshakes of no owner are "
                "called; choose another name");
        } else if (!names_.insert(*name).second) {
          error(mark(value.Mark()), "name: another owner is already called \"" + *name + "\"");
        }
        owner.name = *name;
      } else if (key == "contacts") {
        strings(value, "contacts",
                [&](const std::string& contact, SourceMark) { owner.contacts.push_back(contact); });
      } else if (key == "link") {
        if (const auto link = text(value, "link")) owner.link = *link;
      } else if (key == "match") {
        has_match = true;
        read_match(value, owner);
      }
    });
    if (owner.name.empty() && !node["name"]) error(owner.where, "an owner needs a name");
    if (!has_match) {
      error(owner.where, "owner \"" + owner.name +
                             "\" needs a match (clients, server_names, routes, families, ja4, "
                             "exceptions or certificate_subjects)");
    }
    directory.owners.push_back(std::move(owner));
  }

  void read_match(const YAML::Node& node, OwnerConfig& owner) {
    if (!node.IsMap() || node.size() == 0) {
      error(mark(node.Mark()),
            "match: expected a map of clients, server_names, routes, families, ja4, exceptions, "
            "certificate_subjects");
      return;
    }
    OwnerMatch& match = owner.match;
    fields(node, kMatchKeys, "in match", [&](const std::string& key, const YAML::Node& value) {
      if (key == "clients") {
        strings(value, "clients", [&](const std::string& cidr, SourceMark at) {
          std::string problem;
          if (const auto prefix = parse_address_prefix(cidr, &problem)) {
            match.clients.push_back(*prefix);
          } else {
            error(at, "clients: \"" + cidr + "\": " + problem);
          }
        });
      } else if (key == "server_names") {
        strings(value, "server_names", [&](const std::string& name, SourceMark at) {
          std::string lower = name;
          std::transform(lower.begin(), lower.end(), lower.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          if (lower.ends_with('.')) lower.pop_back();
          if (const std::string problem = route_name_problem(lower); !problem.empty()) {
            error(at, "server_names: \"" + name + "\": " + problem);
          } else {
            match.server_names.push_back(std::move(lower));
          }
        });
      } else if (key == "routes") {
        strings(value, "routes", [&](const std::string& text, SourceMark at) {
          const std::size_t slash = text.find('/');
          OwnerRoute route{text.substr(0, slash), std::nullopt};
          if (slash != std::string::npos) route.route = text.substr(slash + 1);
          if (!is_valid_name(route.listener) || route.listener.empty() ||
              (route.route && (route.route->empty() || !is_valid_name(*route.route)))) {
            error(at, "routes: \"" + text + "\": expected LISTENER or LISTENER/ROUTE");
          } else {
            match.routes.push_back(std::move(route));
          }
        });
      } else if (key == "families") {
        owner.families_at = mark(value.Mark());
        strings(value, "families", [&](const std::string& family, SourceMark at) {
          if (!is_valid_name(family)) {
            error(at, "families: \"" + family + "\" is not a family id (GET /families lists them)");
          } else {
            match.families.push_back(family);
          }
        });
      } else if (key == "ja4") {
        strings(value, "ja4", [&](const std::string& ja4, SourceMark at) {
          if (!looks_like_ja4(ja4)) {
            error(at, "ja4: \"" + ja4 +
                          "\" is not a JA4 fingerprint (t13d1516h2_8daaf6152771_"
                          "e5627efa2ab1)");
          } else {
            match.ja4.push_back(ja4);
          }
        });
      } else if (key == "exceptions") {
        strings(value, "exceptions", [&](const std::string& name, SourceMark at) {
          if (!is_valid_name(name)) {
            error(at, "exceptions: \"" + name + "\" is not an exception name");
          } else {
            match.exceptions.push_back(name);
          }
        });
      } else if (key == "certificate_subjects") {
        strings(value, "certificate_subjects", [&](const std::string& subject, SourceMark at) {
          if (subject.empty() || subject.size() > kMaxText ||
              subject.find('=') == std::string::npos) {
            error(at, "certificate_subjects: \"" + subject +
                          "\" is not a certificate subject (RFC 2253: \"CN=pos-7,O=Shop\")");
          } else {
            match.certificate_subjects.push_back(subject);
          }
        });
      }
    });
  }

  std::string source_;
  std::vector<ConfigError> errors_;
  std::set<std::string> names_;
  std::size_t values_ = 0;
};

}  // namespace

OwnerDirectoryParse parse_owner_directory(std::string_view text, const std::string& source_name) {
  return DirectoryParser(source_name).parse(text);
}

const OwnerConfig* owner_of_exception(const OwnerDirectory& directory, std::string_view name) {
  for (const OwnerConfig& owner : directory.owners) {
    const auto& listed = owner.match.exceptions;
    if (std::find(listed.begin(), listed.end(), name) != listed.end()) return &owner;
  }
  return nullptr;
}

OwnerDirectoryParse load_owner_directory(const std::string& path) {
  std::string error;
  const std::optional<std::string> text = read_small_file(path, kMaxOwnerFileBytes, error);
  if (!text) {
    OwnerDirectoryParse result;
    result.errors.push_back(
        ConfigError{SourceMark{path, 0, 0}, "cannot read owners file: " + error});
    return result;
  }
  return parse_owner_directory(*text, path);
}

}  // namespace tlsfloor::config
