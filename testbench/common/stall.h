// Random valid/ready stalls: see sim/stream_port.h.
#pragma once

#include "stream_port.h"

namespace ipsec::tb {

using sim::Staller;

}  // namespace ipsec::tb
