#pragma once
// Brownout windows: when a listener in mode brownout refuses legacy clients, and which ones.
// Pure: the time is an argument.
#include <optional>
#include <span>
#include <string_view>

#include "config/config.h"

namespace tlsfloor::policy {

/// The window `now` falls in, if any: an explicit window, else the recurring one (whose windows
/// start at each UTC midnight plus a multiple of the period). When several overlap, the one
/// that started first.
std::optional<config::BrownoutWindow> active_brownout_window(const config::BrownoutConfig& brownout,
                                                             config::Timestamp now);

/// Whether a client is among the `fraction` refused in `window`: a hash of the listener, the
/// client and the window's start, so the same client gets the same answer for the whole
/// window (and on every replica), and a different draw in the next one.
bool selected_for_brownout(double fraction, std::string_view listener,
                           std::span<const std::uint8_t> client,
                           const config::BrownoutWindow& window);

}  // namespace tlsfloor::policy
