#pragma once
// Aligned text tables for terminals, shared by the report's renderings (render_text.cpp, the
// inventory), with values from the log made safe to print.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfloor::report {

/// `text` with C0 controls, DEL and C1 controls (U+0080..U+009F, which some terminals obey as
/// escape sequences) shown as \xNN or \u00NN escapes: values from the log came from clients.
std::string printable(std::string_view text);

struct Column {
  std::string header;
  bool right_aligned = false;
};

/// The header and `rows` with columns two spaces apart, each as wide as its widest cell.
void write_table(std::ostream& out, const std::vector<Column>& columns,
                 const std::vector<std::vector<std::string>>& rows);

}  // namespace tlsfloor::report
