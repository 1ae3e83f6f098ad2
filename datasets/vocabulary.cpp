#include "datasets/vocabulary.h"

#include <algorithm>
#include <cstdio>

namespace nw::datasets {

std::u32string decodeUtf8(std::string_view bytes) {
    std::u32string out;
    out.reserve(bytes.size());
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    for (std::size_t i = 0; i < bytes.size();) {
        const unsigned char b = byte(i);
        int extra = b < 0x80             ? 0
                    : (b & 0xE0) == 0xC0 ? 1
                    : (b & 0xF0) == 0xE0 ? 2
                    : (b & 0xF8) == 0xF0 ? 3
                                         : -1;
        char32_t c = extra == 0 ? b : extra == 1 ? b & 0x1F : extra == 2 ? b & 0x0F : b & 0x07;
        bool valid = extra >= 0 && i + std::size_t(extra) < bytes.size();
        for (int k = 1; valid && k <= extra; ++k) {
            const unsigned char cont = byte(i + std::size_t(k));
            valid = (cont & 0xC0) == 0x80;
            c = (c << 6) | (cont & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8 either.
        static constexpr char32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
        valid = valid && (extra <= 0 || c >= kLeast[extra]) && c <= 0x10FFFF &&
                !(c >= 0xD800 && c <= 0xDFFF);
        if (!valid) {
            out.push_back(b); // Latin-1
            ++i;
            continue;
        }
        out.push_back(c);
        i += std::size_t(extra) + 1;
    }
    return out;
}

std::string encodeUtf8(char32_t c) {
    std::string s;
    if (c < 0x80) {
        s += char(c);
    } else if (c < 0x800) {
        s += char(0xC0 | (c >> 6));
        s += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        s += char(0xE0 | (c >> 12));
        s += char(0x80 | ((c >> 6) & 0x3F));
        s += char(0x80 | (c & 0x3F));
    } else {
        s += char(0xF0 | (c >> 18));
        s += char(0x80 | ((c >> 12) & 0x3F));
        s += char(0x80 | ((c >> 6) & 0x3F));
        s += char(0x80 | (c & 0x3F));
    }
    return s;
}

CharVocabulary::CharVocabulary(std::vector<char32_t> characters)
    : m_chars(std::move(characters)) {
    std::sort(m_chars.begin(), m_chars.end());
    m_chars.erase(std::unique(m_chars.begin(), m_chars.end()), m_chars.end());
}

CharVocabulary CharVocabulary::fromText(std::u32string_view text) {
    return CharVocabulary(std::vector<char32_t>(text.begin(), text.end()));
}

int CharVocabulary::id(char32_t c) const {
    auto it = std::lower_bound(m_chars.begin(), m_chars.end(), c);
    return it != m_chars.end() && *it == c ? static_cast<int>(it - m_chars.begin()) : -1;
}

Expected<std::vector<std::int32_t>> CharVocabulary::encode(std::string_view utf8) const {
    std::vector<std::int32_t> ids;
    for (char32_t c : decodeUtf8(utf8)) {
        int i = id(c);
        if (i < 0) {
            return Error::user("the character '" + characterName(c) +
                               "' is not in the corpus's vocabulary of " + std::to_string(size()) +
                               " characters");
        }
        ids.push_back(i);
    }
    return ids;
}

std::string CharVocabulary::decode(std::int32_t id) const {
    return encodeUtf8(m_chars[static_cast<std::size_t>(id)]);
}

std::string CharVocabulary::displayName(std::int32_t id) const {
    return characterName(m_chars[static_cast<std::size_t>(id)]);
}

std::string characterName(char32_t c) {
    switch (c) {
    case U'\n':
        return "\\n";
    case U'\t':
        return "\\t";
    case U'\r':
        return "\\r";
    case U' ':
        return "space";
    default:
        break;
    }
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
        return buf;
    }
    return encodeUtf8(c);
}

} // namespace nw::datasets
