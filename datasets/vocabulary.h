#pragma once
// The vocabulary of a text corpus: token ids <-> text. Character-level: one token per Unicode
// character, ids in code-point order of the corpus's distinct characters.

#include "base/expected.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nw::datasets {

// UTF-8 text as code points. A byte that does not start or continue a valid UTF-8 sequence
// stands for the Latin-1 character of its value, so no input is refused or lost.
std::u32string decodeUtf8(std::string_view bytes);
// Code point `c` as UTF-8.
std::string encodeUtf8(char32_t c);
// A readable name for `c` in lists and messages: the character itself when it is visible,
// else "\n", "\t", "\r", "space" or "U+XXXX".
std::string characterName(char32_t c);

class CharVocabulary {
public:
    CharVocabulary() = default;
    // The distinct characters of `text`, sorted by code point.
    static CharVocabulary fromText(std::u32string_view text);
    // Exactly these characters (sorted and deduplicated).
    explicit CharVocabulary(std::vector<char32_t> characters);

    int size() const { return static_cast<int>(m_chars.size()); }
    const std::vector<char32_t>& characters() const { return m_chars; }
    // The id of `c`, or -1 when the corpus never has it.
    int id(char32_t c) const;
    // The ids of `utf8`; a user error naming the first character the vocabulary lacks.
    Expected<std::vector<std::int32_t>> encode(std::string_view utf8) const;
    // The text of token `id` (UTF-8). Precondition: 0 <= id < size().
    std::string decode(std::int32_t id) const;
    // characterName() of token `id`.
    std::string displayName(std::int32_t id) const;

private:
    std::vector<char32_t> m_chars;
};

} // namespace nw::datasets
