#pragma once

#include <deque>
#include <memory>

namespace sb::core {

// A std::deque that allocates nothing until its first element. libstdc++'s deque allocates
// about 600 bytes when it is constructed; a broker holds several per connection (queue,
// in-flight, pending acknowledgements), most of them empty for an idle client, and idle memory
// per connection is a target (1.5 KB). Once allocated it stays (a busy connection would
// otherwise allocate again and again); shrink() gives it back when it is empty.
template <typename T>
class LazyDeque
{
public:
    using Deque = std::deque<T>;
    using iterator = typename Deque::iterator;
    using const_iterator = typename Deque::const_iterator;
    using value_type = T;

    bool empty() const { return !m_deque || m_deque->empty(); }
    std::size_t size() const { return m_deque ? m_deque->size() : 0; }

    T& front() { return m_deque->front(); }
    const T& front() const { return m_deque->front(); }
    T& back() { return m_deque->back(); }

    void push_back(T&& value) { deque().push_back(std::move(value)); }
    void push_back(const T& value) { deque().push_back(value); }
    template <typename... Args>
    T& emplace_back(Args&&... args)
    {
        return deque().emplace_back(std::forward<Args>(args)...);
    }
    void pop_front() { m_deque->pop_front(); }

    iterator begin() { return m_deque ? m_deque->begin() : iterator(); }
    iterator end() { return m_deque ? m_deque->end() : iterator(); }
    const_iterator begin() const { return m_deque ? m_deque->cbegin() : const_iterator(); }
    const_iterator end() const { return m_deque ? m_deque->cend() : const_iterator(); }

    iterator erase(iterator it) { return m_deque->erase(it); }
    template <typename InputIt>
    void insert(iterator position, InputIt first, InputIt last)
    {
        if (first == last) {
            return;
        }
        if (!m_deque) {
            m_deque = std::make_unique<Deque>(first, last);
            return;
        }
        m_deque->insert(position, first, last);
    }
    template <typename InputIt>
    void assign(InputIt first, InputIt last)
    {
        if (first == last) {
            m_deque.reset();
            return;
        }
        deque().assign(first, last);
    }
    void clear() { m_deque.reset(); }
    // Releases the allocation if empty (call from a periodic tick).
    void shrink()
    {
        if (m_deque && m_deque->empty()) {
            m_deque.reset();
        }
    }

private:
    Deque& deque()
    {
        if (!m_deque) {
            m_deque = std::make_unique<Deque>();
        }
        return *m_deque;
    }

    std::unique_ptr<Deque> m_deque;
};

} // namespace sb::core
