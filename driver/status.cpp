#include "status.h"

#include <cerrno>
#include <cstring>

namespace ipsec::driver {

std::string Status::to_string() const {
  if (ok()) return "ok";
  return errno_name(code_) + ": " + message_;
}

std::string errno_name(int code) {
  switch (code < 0 ? -code : code) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case ENOMEM: return "ENOMEM";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: return "E" + std::to_string(code < 0 ? -code : code);
  }
}

std::string errno_text(int code) { return std::strerror(code < 0 ? -code : code); }

}  // namespace ipsec::driver
