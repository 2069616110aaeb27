// Whether an HTTP client is still there. cpp-httplib 0.11 (Debian 12) gives a handler no way to
// ask, so the kernel's socket table answers: the connection from the client's address and
// port to ours is gone or half-closed (the client sent FIN: CLOSE_WAIT) once the client left.
#ifndef DEPICT_SERVICE_PEER_H_
#define DEPICT_SERVICE_PEER_H_

#include <string>

namespace depict::service {

// True when no established TCP connection joins local port `local_port` to
// `remote_addr`:`remote_port` (IPv4 or IPv6). Reads /proc/self/net/tcp and tcp6; where they
// cannot be read (not Linux), false: the client is assumed present.
bool PeerClosed(int local_port, const std::string& remote_addr, int remote_port);

}  // namespace depict::service

#endif  // DEPICT_SERVICE_PEER_H_
