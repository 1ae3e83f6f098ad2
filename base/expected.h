#pragma once
// Errors as values. A user mistake (bad file, invalid graph, wrong attribute) travels as an
// Error whose message already names the file, node or field; nothing below the UI throws it
// across a module boundary or aborts the process.
//
// Expected<T> is the small subset of C++23's std::expected that we need, so the code base
// stays on C++20 (g++ 12, nvcc).

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace nw {

// What went wrong, as a message for the user. `kind` decides the CLI exit status.
struct Error {
    enum class Kind { User, Internal };
    std::string message;
    Kind kind = Kind::User;

    static Error user(std::string msg) { return {std::move(msg), Kind::User}; }
    static Error internal(std::string msg) { return {std::move(msg), Kind::Internal}; }
};

template <class T, class E = Error>
class [[nodiscard]] Expected {
public:
    Expected(T value)
        : m_v(std::in_place_index<0>, std::move(value)) {}
    Expected(E error)
        : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(m_v);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(m_v);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(m_v));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const {
        assert(!ok());
        return std::get<1>(m_v);
    }

private:
    std::variant<T, E> m_v;
};

// Success or an Error, for operations without a result.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error)
        : m_error(std::move(error))
        , m_ok(false) {}
    static Status success() { return {}; }

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const {
        assert(!m_ok);
        return m_error;
    }

private:
    Error m_error;
    bool m_ok = true;
};

} // namespace nw
