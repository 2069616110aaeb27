// Base64 (RFC 4648, padded), as images travel in JSON and credentials in HTTP headers, by
// OpenSSL's EVP codec: one place for the service, the audit and their tests.
#ifndef DEPICT_IO_BASE64_H_
#define DEPICT_IO_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace depict::io {

std::string Base64Encode(std::string_view bytes);

// The bytes `text` encodes, or nullopt when it is not padded base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace depict::io

#endif  // DEPICT_IO_BASE64_H_
