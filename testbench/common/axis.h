// The stream helpers of the harnesses live in sim/stream_port.h; the test benches use them
// under their own namespace.
#pragma once

#include "bytes.h"
#include "stream_port.h"

namespace ipsec::tb {

using sim::Beat;

using sim::FrameSink;
using sim::FrameSource;
using sim::Staller;
using sim::to_beats;

}  // namespace ipsec::tb
