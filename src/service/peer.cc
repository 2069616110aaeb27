#include "service/peer.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace depict::service {
namespace {

constexpr int kEstablished = 1;  // include/net/tcp_states.h

// "0100007F:1F90" (/proc/net/tcp: the address as the kernel stores it, 32-bit words in host
// order, then the port in hex) -> the address bytes and the port.
bool ParseEndpoint(const std::string& text, std::string& bytes, int& port) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || (colon != 8 && colon != 32)) return false;
  bytes.clear();
  for (size_t word = 0; word < colon; word += 8) {
    const unsigned long value = std::stoul(text.substr(word, 8), nullptr, 16);
    const auto v = static_cast<uint32_t>(value);
    char host[4];
    std::memcpy(host, &v, 4);
    bytes.append(host, 4);
  }
  port = static_cast<int>(std::stoul(text.substr(colon + 1), nullptr, 16));
  return true;
}

// `addr` as the bytes /proc shows for it: 4 for IPv4, 16 for IPv6 (an IPv4 client of an IPv6
// socket shows as ::ffff:a.b.c.d).
std::string AddressBytes(const std::string& addr, bool six) {
  unsigned char buf[16] = {};
  if (!six) {
    if (inet_pton(AF_INET, addr.c_str(), buf) != 1) return "";
    return std::string(reinterpret_cast<char*>(buf), 4);
  }
  if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
    return std::string(reinterpret_cast<char*>(buf), 16);
  }
  if (inet_pton(AF_INET, addr.c_str(), buf + 12) != 1) return "";
  std::memset(buf, 0, 10);
  buf[10] = buf[11] = 0xff;
  return std::string(reinterpret_cast<char*>(buf), 16);
}

// 1: an established connection found, 0: none, -1: the table cannot be read.
int Find(const char* table, bool six, int local_port, const std::string& remote_addr,
         int remote_port) {
  std::ifstream in(table);
  if (!in) return -1;
  const std::string want = AddressBytes(remote_addr, six);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    std::string local_bytes, remote_bytes;
    int lport = 0, rport = 0;
    try {
      if (!ParseEndpoint(local, local_bytes, lport) ||
          !ParseEndpoint(remote, remote_bytes, rport)) {
        continue;
      }
      if (lport != local_port || rport != remote_port || remote_bytes != want) continue;
      if (std::stoi(state, nullptr, 16) == kEstablished) return 1;
    } catch (const std::exception&) {
      continue;
    }
  }
  return 0;
}

}  // namespace

bool PeerClosed(int local_port, const std::string& remote_addr, int remote_port) {
  const int v4 = Find("/proc/self/net/tcp", false, local_port, remote_addr, remote_port);
  if (v4 == 1) return false;
  const int v6 = Find("/proc/self/net/tcp6", true, local_port, remote_addr, remote_port);
  if (v6 == 1) return false;
  return !(v4 < 0 && v6 < 0);
}

}  // namespace depict::service
