#include "rules.h"

#include <algorithm>
#include <cstring>

#include "normalize.h"

namespace waf {
namespace {

// ---------------------------------------------------------------------------------------------------------------
// Rule metadata
const std::vector<RuleInfo> kRules = {
    {913100, 1, 5, "scanner", "Security scanner user agent"},
    {913110, 1, 5, "scanner", "Security scanner request header"},
    {920100, 1, 5, "protocol", "Disallowed HTTP method (TRACE/TRACK/DEBUG)"},
    {920101, 2, 3, "protocol", "Unusual HTTP method"},
    {920170, 1, 3, "protocol", "GET or HEAD request with a body"},
    {920220, 1, 5, "protocol", "Invalid URL encoding"},
    {920230, 2, 3, "protocol", "Multiple URL encoding"},
    {920270, 1, 5, "protocol", "NUL byte in request"},
    {920280, 1, 5, "protocol", "Missing Host header"},
    {920320, 2, 2, "protocol", "Missing User-Agent header"},
    {920350, 2, 3, "protocol", "Host header is a numeric IP address"},
    {920440, 1, 5, "protocol", "Restricted file extension in URL path"},
    {921120, 1, 5, "protocol", "HTTP response splitting (CRLF and header in argument)"},
    {930100, 1, 5, "lfi", "Path traversal (repeated ../)"},
    {930110, 1, 3, "lfi", "Path traversal (../)"},
    {930120, 1, 5, "lfi", "OS or application file access"},
    {930140, 1, 5, "lfi", "PHP/stream wrapper (php://, file://, phar://, ...)"},
    {930150, 1, 5, "lfi", "XML external entity declaration"},
    {931100, 1, 5, "rfi", "Remote file inclusion: URL with an IP address"},
    {931110, 1, 5, "rfi", "Remote file inclusion: URL in an include-style parameter"},
    {931120, 1, 5, "rfi", "Remote file inclusion: URL ending with a question mark"},
    {931130, 2, 3, "rfi", "Remote file inclusion: off-domain URL"},
    {932100, 1, 5, "rce", "Unix command injection"},
    {932110, 1, 5, "rce", "Windows command injection"},
    {932130, 1, 5, "rce", "Shell, interpreter or reverse-shell invocation"},
    {932140, 1, 5, "rce", "Shellshock function definition"},
    {933100, 1, 5, "php", "PHP open tag"},
    {933110, 1, 5, "php", "PHP dangerous function call"},
    {933120, 1, 5, "php", "PHP superglobal"},
    {933130, 1, 5, "php", "PHP serialized object"},
    {933140, 1, 3, "php", "PHP function call"},
    {934100, 1, 5, "js", "Node.js injection / prototype pollution"},
    {934110, 1, 5, "template", "Server-side template injection"},
    {934120, 1, 5, "template", "Python object introspection (dunder attributes)"},
    {941100, 1, 5, "xss", "Script tag"},
    {941110, 1, 5, "xss", "Event handler attribute"},
    {941120, 1, 5, "xss", "javascript:/vbscript: URI"},
    {941130, 1, 5, "xss", "Dangerous HTML tag"},
    {941140, 1, 3, "xss", "JavaScript sink or dialog function"},
    {941150, 2, 3, "xss", "CSS expression or binding"},
    {941160, 2, 3, "xss", "HTML tag"},
    {941170, 1, 5, "xss", "data: URI with active content"},
    {941180, 1, 5, "xss", "JavaScript string break into a call"},
    {942100, 1, 5, "sqli", "SQL UNION SELECT"},
    {942110, 1, 5, "sqli", "SQL tautology"},
    {942120, 1, 5, "sqli", "SQL comment after a string break"},
    {942130, 1, 5, "sqli", "Stacked SQL query"},
    {942140, 1, 5, "sqli", "SQL clause after a string or number break"},
    {942150, 1, 5, "sqli", "Database fingerprint or system object"},
    {942160, 1, 5, "sqli", "Time-based blind SQL injection"},
    {942170, 2, 3, "sqli", "SQL function or hex encoding"},
    {944100, 1, 5, "java", "Java runtime / process execution"},
    {944110, 1, 5, "java", "Log4Shell JNDI lookup"},
    {944120, 1, 5, "java", "Java serialized object"},
    {944130, 1, 5, "java", "OGNL / SpEL / class loader manipulation"},
};

bool is_word(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

// ---------------------------------------------------------------------------------------------------------------
// Multi-pattern substring matcher: patterns bucketed by their first two bytes; a scan looks up each position's
// bucket and compares the few candidates there. Linear in the text (times the bounded bucket size).
enum PatFlag : uint8_t {
  kWordStart = 1,   // previous char is not a word char
  kWordEnd = 2,     // next char is not a word char
  kCall = 4,        // followed by optional space and '('
  kNoMember = 8,    // not preceded by '.', '>', ':', '$', '\\' (a method or namespaced call)
  kStart = 16,      // at the start of the value
};

struct Pat {
  const char* text;
  uint32_t rule;
  uint8_t flags;
};

// Patterns over Normalized::text.
const Pat kTextPats[] = {
    // SQL fingerprints
    {"information_schema", 942150, 0}, {"sysobjects", 942150, kWordStart}, {"syscolumns", 942150, kWordStart},
    {"xp_cmdshell", 942150, 0}, {"sp_executesql", 942150, 0}, {"sp_oacreate", 942150, 0}, {"xp_regread", 942150, 0},
    {"dbms_pipe", 942150, 0}, {"dbms_lock", 942150, 0}, {"utl_http", 942150, 0}, {"utl_inaddr", 942150, 0},
    {"sqlite_master", 942150, 0}, {"pg_catalog", 942150, 0}, {"pg_shadow", 942150, 0}, {"mysql.user", 942150, 0},
    {"@@version", 942150, 0}, {"@@datadir", 942150, 0}, {"@@hostname", 942150, 0}, {"into outfile", 942150, 0},
    {"into dumpfile", 942150, 0}, {"load_file", 942150, kCall}, {"extractvalue", 942150, kCall},
    {"updatexml", 942150, kCall}, {"group_concat", 942150, kCall}, {"sys.dba_", 942150, 0},
    {"msysaccessobjects", 942150, 0}, {"all_tab_columns", 942150, 0}, {"pg_sleep", 942160, kCall},
    {"waitfor delay", 942160, 0}, {"waitfor time", 942160, 0}, {"benchmark", 942160, kCall | kWordStart},
    {"concat", 942170, kCall | kWordStart}, {"char", 942170, kCall | kWordStart}, {"ascii", 942170, kCall | kWordStart},
    {"substring", 942170, kCall | kWordStart},
    // XSS
    {"<script", 941100, 0}, {"</script", 941100, 0}, {"<iframe", 941130, 0}, {"<object", 941130, 0},
    {"<embed", 941130, 0}, {"<svg", 941130, 0}, {"<applet", 941130, 0}, {"<meta", 941130, 0}, {"<base", 941130, 0},
    {"<frame", 941130, 0}, {"<isindex", 941130, 0}, {"<marquee", 941130, 0}, {"<body", 941130, 0},
    {"<xss", 941130, 0}, {"<math", 941130, 0}, {"<link", 941130, 0}, {"<form", 941130, 0}, {"<style", 941130, 0},
    {"alert", 941140, kCall | kWordStart}, {"alert`", 941140, kWordStart}, {"prompt", 941140, kCall | kWordStart},
    {"confirm", 941140, kCall | kWordStart}, {"document.cookie", 941140, 0}, {"document.write", 941140, 0},
    {"document.domain", 941140, 0}, {"window.location", 941140, 0}, {".innerhtml", 941140, 0},
    {"fromcharcode", 941140, 0}, {"settimeout", 941140, kCall}, {"setinterval", 941140, kCall},
    {"atob", 941140, kCall | kWordStart}, {"eval", 941140, kCall | kWordStart}, {"location.href", 941140, 0},
    {"expression", 941150, kCall}, {"-moz-binding", 941150, 0}, {"behavior:", 941150, 0}, {"@import", 941150, 0},
    {"data:text/html", 941170, 0}, {"data:image/svg+xml", 941170, 0}, {"data:application/x-javascript", 941170, 0},
    {"data:text/javascript", 941170, 0},
    // LFI
    {"etc/passwd", 930120, 0}, {"etc/shadow", 930120, 0}, {"etc/group", 930120, kWordEnd}, {"etc/issue", 930120, 0},
    {"etc/motd", 930120, 0}, {"etc/hosts", 930120, 0}, {"etc/mysql", 930120, 0}, {"proc/self/", 930120, 0},
    {"proc/version", 930120, 0}, {"win.ini", 930120, 0}, {"system.ini", 930120, 0}, {"boot.ini", 930120, 0},
    {"windows/system32", 930120, 0}, {"windows\\system32", 930120, 0}, {"system32/config", 930120, 0},
    {".htpasswd", 930120, 0}, {".htaccess", 930120, 0}, {"wp-config.php", 930120, 0}, {".bash_history", 930120, 0},
    {".ssh/", 930120, 0}, {"id_rsa", 930120, kWordEnd}, {"id_dsa", 930120, kWordEnd}, {"authorized_keys", 930120, 0},
    {"/.git/", 930120, 0}, {"/.svn/", 930120, 0}, {"/.env", 930120, kWordEnd}, {"/.aws/", 930120, 0},
    {"var/log/", 930120, 0}, {"/.ds_store", 930120, 0}, {"web.config", 930120, kWordEnd},
    {"php://", 930140, 0}, {"file://", 930140, 0}, {"phar://", 930140, 0}, {"zip://", 930140, 0},
    {"expect://", 930140, 0}, {"glob://", 930140, 0}, {"data://", 930140, 0}, {"compress.zlib://", 930140, 0},
    {"jar:file:", 930140, 0},
    // PHP
    {"<?php", 933100, 0}, {"<?=", 933100, 0}, {"${@", 933110, 0},
    {"system", 933110, kCall | kWordStart | kNoMember}, {"shell_exec", 933110, kCall | kNoMember},
    {"passthru", 933110, kCall | kNoMember}, {"proc_open", 933110, kCall | kNoMember},
    {"popen", 933110, kCall | kWordStart | kNoMember}, {"pcntl_exec", 933110, kCall},
    {"phpinfo", 933110, kCall}, {"create_function", 933110, kCall}, {"call_user_func", 933110, kCall},
    {"gzinflate", 933110, kCall}, {"gzuncompress", 933110, kCall}, {"str_rot13", 933110, kCall},
    {"file_put_contents", 933110, kCall}, {"move_uploaded_file", 933110, kCall}, {"highlight_file", 933110, kCall},
    {"show_source", 933110, kCall}, {"assert", 933110, kCall | kWordStart | kNoMember},
    {"base64_decode", 933140, kCall}, {"file_get_contents", 933140, kCall}, {"unserialize", 933140, kCall},
    {"preg_replace", 933140, kCall}, {"fopen", 933140, kCall | kWordStart | kNoMember},
    {"readfile", 933140, kCall | kWordStart | kNoMember}, {"include", 933140, kCall | kWordStart | kNoMember},
    {"require_once", 933140, kCall | kWordStart | kNoMember}, {"include_once", 933140, kCall | kWordStart | kNoMember},
    {"exec", 933140, kCall | kWordStart | kNoMember},
    {"$_get", 933120, kWordEnd}, {"$_post", 933120, kWordEnd}, {"$_request", 933120, kWordEnd},
    {"$_server", 933120, kWordEnd}, {"$_cookie", 933120, kWordEnd}, {"$_files", 933120, kWordEnd},
    {"$_env", 933120, kWordEnd}, {"$_session", 933120, kWordEnd}, {"$globals", 933120, kWordEnd},
    // Node.js / templates / Python
    {"child_process", 934100, 0}, {"process.mainmodule", 934100, 0}, {"process.binding", 934100, 0},
    {"__proto__", 934100, 0}, {"constructor.prototype", 934100, 0}, {"constructor.constructor", 934100, 0},
    {"global.process", 934100, 0},
    {"__class__", 934120, 0}, {"__mro__", 934120, 0}, {"__subclasses__", 934120, 0}, {"__globals__", 934120, 0},
    {"__builtins__", 934120, 0}, {"__import__", 934120, 0}, {"__getattribute__", 934120, 0},
    // Java
    {"java.lang.runtime", 944100, 0}, {"getruntime()", 944100, 0}, {"java.lang.processbuilder", 944100, 0},
    {"processbuilder", 944100, kCall}, {"javax.script", 944100, 0}, {"java.lang.reflect", 944100, 0},
    {"org.apache.commons.collections", 944100, 0}, {"scriptenginemanager", 944100, 0},
    {"objectinputstream", 944120, 0}, {"ro0ab", 944120, kStart}, {"aced0005", 944120, kStart},
    {"class.module.classloader", 944130, 0}, {"class.classloader", 944130, 0}, {"#_memberaccess", 944130, 0},
    {"@java.lang", 944130, 0}, {"(#context", 944130, 0}, {"#cmd=", 944130, 0}, {"ognl.", 944130, 0},
    {"t(java.", 944130, 0}, {".getclass().forname", 944130, 0}, {"#iswin", 944130, 0},
    {"${jndi:", 944110, 0},
};

// Patterns over Normalized::shell.
const Pat kShellPats[] = {
    {"/bin/sh", 932130, kWordEnd}, {"/bin/bash", 932130, 0}, {"/bin/zsh", 932130, 0}, {"/bin/ksh", 932130, 0},
    {"/bin/dash", 932130, 0}, {"/bin/busybox", 932130, 0}, {"/dev/tcp/", 932130, 0}, {"/dev/udp/", 932130, 0},
    {"bash -i", 932130, kWordStart}, {"sh -i", 932130, kWordStart}, {"nc -e", 932130, kWordStart},
    {"nc -l", 932130, kWordStart}, {"ncat -e", 932130, kWordStart}, {"mkfifo /tmp", 932130, 0},
    {"python -c", 932130, kWordStart}, {"python3 -c", 932130, kWordStart}, {"perl -e", 932130, kWordStart},
    {"ruby -e", 932130, kWordStart}, {"php -r", 932130, kWordStart}, {"powershell -e", 932110, kWordStart},
    {"powershell.exe", 932110, 0}, {"cmd.exe", 932110, 0}, {"cmd /c", 932110, kWordStart},
    {"cmd /k", 932110, kWordStart}, {"wget http", 932130, kWordStart}, {"curl http", 932130, kWordStart},
    {"chmod +x", 932130, kWordStart}, {"chmod 777", 932130, kWordStart}, {"xterm -display", 932130, 0},
    {"/usr/bin/id", 932130, kWordEnd}, {"/usr/bin/whoami", 932130, 0}, {"(){", 932140, kStart}, {"() {", 932140, kStart},
};

// Security scanners and exploit tools, in the (lower-case) User-Agent.
const Pat kUaPats[] = {
    {"sqlmap", 913100, 0}, {"nikto", 913100, 0}, {"nmap", 913100, 0}, {"nessus", 913100, 0},
    {"acunetix", 913100, 0}, {"netsparker", 913100, 0}, {"w3af", 913100, 0}, {"dirbuster", 913100, 0},
    {"gobuster", 913100, 0}, {"wpscan", 913100, 0}, {"masscan", 913100, 0}, {"zgrab", 913100, 0},
    {"havij", 913100, 0}, {"openvas", 913100, 0}, {"arachni", 913100, 0}, {"nuclei", 913100, 0},
    {"fimap", 913100, 0}, {"wfuzz", 913100, 0}, {"ffuf", 913100, 0}, {"commix", 913100, 0},
    {"skipfish", 913100, 0}, {"whatweb", 913100, 0}, {"zmeu", 913100, 0}, {"morfeus", 913100, 0},
    {"appscan", 913100, 0}, {"paros", 913100, kWordStart}, {"webinspect", 913100, 0}, {"jaeles", 913100, 0},
    {"xsstrike", 913100, 0}, {"joomscan", 913100, 0}, {"droopescan", 913100, 0}, {"dirb/", 913100, 0},
    {"feroxbuster", 913100, 0}, {"hydra", 913100, kWordStart}, {"brutus", 913100, kWordStart},
    {"grabber", 913100, kWordStart}, {"webshag", 913100, 0}, {"bsqlbf", 913100, 0}, {"pangolin", 913100, 0},
    {"sqlninja", 913100, 0}, {"absinthe", 913100, 0}, {"nsauditor", 913100, 0}, {"vega/", 913100, kWordStart},
    {"zap/", 913100, kWordStart}, {"burpcollaborator", 913100, 0}, {"interactsh", 913100, 0},
    {"qualys", 913100, 0},
};

struct PatIndex {
  static constexpr std::size_t kBuckets = 1024;
  std::vector<uint16_t> bucket[kBuckets];
  bool used[kBuckets] = {};
  const Pat* pats = nullptr;

  static std::size_t key(char a, char b) {
    return (static_cast<unsigned char>(a) * 31u + static_cast<unsigned char>(b)) & (kBuckets - 1);
  }
  template <std::size_t N>
  explicit PatIndex(const Pat (&p)[N]) : pats(p) {
    for (std::size_t i = 0; i < N; ++i) {
      std::size_t k = key(p[i].text[0], p[i].text[1]);
      bucket[k].push_back(static_cast<uint16_t>(i));
      used[k] = true;
    }
  }

  // Calls f(pattern, position) for every occurrence satisfying the pattern's flags. The per-position loop is kept
  // tiny (fuel is charged per loop iteration by the static size of the loop body): candidates are checked out of line.
  template <class F>
  void scan(std::string_view t, F&& f) const {
    if (t.size() < 2) return;
    const char* d = t.data();
    const std::size_t n = t.size() - 1;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t k = key(d[i], d[i + 1]);
      if (used[k]) check_at(t, i, bucket[k], f);
    }
  }

  template <class F>
  __attribute__((noinline)) void check_at(std::string_view t, std::size_t i, const std::vector<uint16_t>& b,
                                          F& f) const {
    for (uint16_t k : b) {
      const Pat& p = pats[k];
      std::size_t n = std::strlen(p.text);
      if (i + n > t.size() || std::memcmp(t.data() + i, p.text, n) != 0) continue;
      if ((p.flags & kStart) && i != 0) continue;
      if ((p.flags & kWordStart) && i > 0 && is_word(t[i - 1])) continue;
      if ((p.flags & kWordEnd) && i + n < t.size() && is_word(t[i + n])) continue;
      if ((p.flags & kNoMember) && i > 0 &&
          (t[i - 1] == '.' || t[i - 1] == '>' || t[i - 1] == ':' || t[i - 1] == '$' || t[i - 1] == '\\'))
        continue;
      if (p.flags & kCall) {
        std::size_t j = i + n;
        if (j < t.size() && t[j] == ' ') ++j;
        if (j >= t.size() || t[j] != '(') continue;
      }
      f(p, i, n);
    }
  }
};

const PatIndex& text_index() {
  static const PatIndex idx(kTextPats);
  return idx;
}
const PatIndex& ua_index() {
  static const PatIndex idx(kUaPats);
  return idx;
}
const PatIndex& shell_index() {
  static const PatIndex idx(kShellPats);
  return idx;
}

bool contains(std::string_view h, std::string_view n) { return h.find(n) != std::string_view::npos; }

bool in_list(std::string_view w, std::initializer_list<std::string_view> list) {
  for (auto x : list)
    if (x == w) return true;
  return false;
}

std::string_view excerpt(std::string_view t, std::size_t pos, std::size_t len = 48) {
  std::size_t start = pos > 8 ? pos - 8 : 0;
  return t.substr(start, std::min<std::size_t>(len + (pos - start), t.size() - start));
}

// ---------------------------------------------------------------------------------------------------------------
// SQL tokenizer (libinjection-style): the value is tokenized as is and as if it continued a '- or "-quoted string,
// so that an injected quote shows up as the end of a string token.
enum class T : uint8_t { Str, Num, Word, Op, LParen, RParen, Comma, Semi, Comment, Var };
struct Tok {
  T t;
  bool closed;  // strings: ended at a real quote
  uint32_t pos, len;
};

constexpr std::size_t kMaxTokens = 2048;

void sql_tokenize(std::string_view s, char ctx, std::vector<Tok>& out) {
  out.clear();
  std::size_t i = 0;
  auto string_from = [&](std::size_t start, char q) {
    std::size_t j = start;
    while (j < s.size()) {
      if (s[j] == '\\') {
        j += 2;
        continue;
      }
      if (s[j] == q) {
        if (j + 1 < s.size() && s[j + 1] == q) {  // doubled quote
          j += 2;
          continue;
        }
        return j;
      }
      ++j;
    }
    return std::string_view::npos;
  };
  if (ctx) {
    std::size_t end = string_from(0, ctx);
    out.push_back({T::Str, end != std::string_view::npos, 0,
                   static_cast<uint32_t>(end == std::string_view::npos ? s.size() : end)});
    i = end == std::string_view::npos ? s.size() : end + 1;
  }
  while (i < s.size() && out.size() < kMaxTokens) {
    char c = s[i];
    if (c == ' ' || c == '\n' || c == '\t') {
      ++i;
      continue;
    }
    std::size_t start = i;
    if (c == '\'' || c == '"') {
      std::size_t end = string_from(i + 1, c);
      bool closed = end != std::string_view::npos;
      i = closed ? end + 1 : s.size();
      out.push_back({T::Str, closed, static_cast<uint32_t>(start), static_cast<uint32_t>(i - start)});
      continue;
    }
    if (c == '`') {
      std::size_t end = s.find('`', i + 1);
      i = end == std::string_view::npos ? s.size() : end + 1;
      out.push_back({T::Word, true, static_cast<uint32_t>(start), static_cast<uint32_t>(i - start)});
      continue;
    }
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      while (i < s.size() && (is_word(s[i]) || s[i] == '.')) ++i;
      out.push_back({T::Num, true, static_cast<uint32_t>(start), static_cast<uint32_t>(i - start)});
      continue;
    }
    if (is_alpha(c) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80) {
      while (i < s.size() && (is_word(s[i]) || s[i] == '$' || s[i] == '.' || static_cast<unsigned char>(s[i]) >= 0x80))
        ++i;
      out.push_back({T::Word, true, static_cast<uint32_t>(start), static_cast<uint32_t>(i - start)});
      continue;
    }
    if (c == '@') {
      ++i;
      while (i < s.size() && (is_word(s[i]) || s[i] == '@' || s[i] == '.')) ++i;
      out.push_back({T::Var, true, static_cast<uint32_t>(start), static_cast<uint32_t>(i - start)});
      continue;
    }
    if (c == '(' || c == ')' || c == ',' || c == ';') {
      ++i;
      out.push_back({c == '(' ? T::LParen : c == ')' ? T::RParen : c == ',' ? T::Comma : T::Semi, true,
                     static_cast<uint32_t>(start), 1});
      continue;
    }
    if ((c == '-' && i + 1 < s.size() && s[i + 1] == '-') ||
        (c == '#' && (i + 1 >= s.size() || s[i + 1] == ' ' || s[i + 1] == '\n')) ||
        (c == '/' && i + 1 < s.size() && s[i + 1] == '*')) {
      out.push_back({T::Comment, true, static_cast<uint32_t>(start), static_cast<uint32_t>(s.size() - start)});
      break;  // the rest is a comment
    }
    // operator run
    static const char* kOps = "=<>!|&+-*/%^~:";
    if (std::strchr(kOps, c)) {
      while (i < s.size() && std::strchr(kOps, s[i]) && s[i] != 0 &&
             !(s[i] == '-' && i + 1 < s.size() && s[i + 1] == '-') && i - start < 3)
        ++i;
      out.push_back({T::Op, true, static_cast<uint32_t>(start), static_cast<uint32_t>(i - start)});
      continue;
    }
    ++i;  // other punctuation: ignored
  }
}

class Sql {
 public:
  Sql(std::string_view s, const std::vector<Tok>& t, bool quoted) : s_(s), t_(t), quoted_(quoted) {}

  std::string_view text(std::size_t i) const { return i < t_.size() ? s_.substr(t_[i].pos, t_[i].len) : ""; }
  T type(std::size_t i) const { return i < t_.size() ? t_[i].t : T::Comment; }
  bool end(std::size_t i) const { return i >= t_.size(); }
  bool word(std::size_t i, std::string_view w) const { return i < t_.size() && t_[i].t == T::Word && text(i) == w; }
  bool literal(std::size_t i) const {
    if (i >= t_.size()) return false;
    T k = t_[i].t;
    return k == T::Num || k == T::Str || k == T::Var || word(i, "true") || word(i, "false") || word(i, "null");
  }
  bool logic(std::size_t i) const {
    if (i >= t_.size()) return false;
    if (t_[i].t == T::Word) return in_list(text(i), {"or", "and", "xor", "div"});
    return t_[i].t == T::Op && (text(i) == "||" || text(i) == "&&");
  }
  bool cmp(std::size_t i) const {
    if (i >= t_.size()) return false;
    if (t_[i].t == T::Op) return in_list(text(i), {"=", "==", "<>", "!=", "<", ">", "<=", ">=", "<=>", "!<", "!>"});
    return t_[i].t == T::Word && in_list(text(i), {"like", "rlike", "regexp", "is", "sounds", "in", "between"});
  }
  // A token that ends an injected fragment: a string closed by a real quote (in a quoted context), a number, ')'.
  bool break_before(std::size_t i) const {
    if (i == 0) return false;
    const Tok& p = t_[i - 1];
    if (p.t == T::Str) return p.closed && (quoted_ || p.pos > 0);
    return p.t == T::Num || p.t == T::RParen;
  }
  bool after_end(std::size_t i) const {  // end, comment or ';' after position i
    return i >= t_.size() || t_[i].t == T::Comment || t_[i].t == T::Semi;
  }
  std::size_t size() const { return t_.size(); }
  const Tok& tok(std::size_t i) const { return t_[i]; }

 private:
  std::string_view s_;
  const std::vector<Tok>& t_;
  bool quoted_;
};

}  // namespace

const std::vector<RuleInfo>& all_rules() { return kRules; }

void init_tables() {
  text_index();
  shell_index();
  ua_index();
}

const RuleInfo* find_rule(uint32_t id) {
  auto it = std::lower_bound(kRules.begin(), kRules.end(), id, [](const RuleInfo& r, uint32_t v) { return r.id < v; });
  return it != kRules.end() && it->id == id ? &*it : nullptr;
}

bool Inspector::enabled(const RuleInfo& r) const {
  if (r.paranoia > policy_.paranoia) return false;
  for (uint32_t x : policy_.exclude_rules)
    if (x == r.id) return false;
  return true;
}

bool Inspector::arg_excluded(std::string_view name) const {
  for (const auto& n : policy_.exclude_args) {
    if (n == name) return true;
    // JSON paths: "user.name" is also excluded by "name"
    if (name.size() > n.size() && name[name.size() - n.size() - 1] == '.' &&
        name.substr(name.size() - n.size()) == n)
      return true;
  }
  return false;
}

__attribute__((noinline)) void Inspector::hit(uint32_t rule_id, std::string_view value) {
  for (uint32_t s : seen_)
    if (s == rule_id) return;
  const RuleInfo* r = find_rule(rule_id);
  if (!r || !enabled(*r)) return;
  seen_.push_back(rule_id);
  score_ += r->severity;
  matches_.push_back({r, location_, std::string(value.substr(0, 96))});
}

void Inspector::report(uint32_t rule_id, std::string location, std::string_view value) {
  location_ = std::move(location);
  hit(rule_id, value);
}

namespace {

const std::initializer_list<std::string_view> kUnixCommands = {
    "id", "whoami", "uname", "cat", "ls", "wget", "curl", "nc", "ncat", "netcat", "bash", "sh", "zsh", "ping",
    "nslookup", "dig", "rm", "chmod", "chown", "echo", "python", "python3", "perl", "ruby", "php", "telnet",
    "sleep", "head", "tail", "more", "less", "find", "ifconfig", "pwd", "env", "printenv", "passwd", "busybox",
    "xterm", "nmap", "uptime", "kill", "killall", "ps", "netstat", "crontab", "tftp", "scp", "ssh", "sudo", "su",
    "base64", "touch", "mkfifo", "awk", "sed", "xargs", "grep", "hostname", "useradd", "cp", "mv", "tar",
    "lsof", "socat", "tclsh", "lua", "node", "exec", "eval", "systemctl", "service", "reboot", "shutdown", "w",
    "who", "last", "history", "whereis", "which", "locate"};
const std::initializer_list<std::string_view> kWindowsCommands = {
    "cmd", "powershell", "net", "ipconfig", "systeminfo", "tasklist", "taskkill", "certutil", "bitsadmin", "dir",
    "type", "copy", "del", "wmic", "reg", "regsvr32", "rundll32", "mshta", "cscript", "wscript", "ver", "netsh",
    "schtasks", "whoami", "nltest", "findstr", "start"};

// Command injection: a separator (; | & ` $( newline) followed by a command word and an argument-like tail.
template <class F>
void scan_commands(std::string_view s, F&& hit) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool sep = c == ';' || c == '|' || c == '&' || c == '`' || (c == '$' && i + 1 < s.size() && s[i + 1] == '(');
    if (!sep) continue;
    std::size_t j = i + 1;
    while (j < s.size() && (s[j] == ' ' || s[j] == '(' || s[j] == '{' || s[j] == '|' || s[j] == '&' || s[j] == ';'))
      ++j;
    std::size_t ws = j;
    while (j < s.size() && (is_word(s[j]) || s[j] == '/' || s[j] == '.' || s[j] == '-')) ++j;
    if (j == ws) continue;
    std::string_view cmd = s.substr(ws, j - ws);
    if (std::size_t slash = cmd.rfind('/'); slash != std::string_view::npos) cmd = cmd.substr(slash + 1);
    if (cmd.size() > 4 && cmd.substr(cmd.size() - 4) == ".exe") cmd = cmd.substr(0, cmd.size() - 4);
    bool unix = in_list(cmd, kUnixCommands), win = in_list(cmd, kWindowsCommands);
    if (!unix && !win) continue;
    // what follows must look like arguments or the end of a command
    bool ok = false;
    if (j >= s.size()) {
      ok = c != '&' || cmd.size() > 2;  // "a&id" at the end; "&w" alone is too weak
    } else {
      char n = s[j];
      if (n == ';' || n == '|' || n == '&' || n == '`' || n == ')' || n == '<' || n == '>' || n == '}' || n == '$')
        ok = true;
      else if (n == ' ' && j + 1 < s.size()) {
        char a = s[j + 1];
        ok = a == '-' || a == '/' || a == '~' || a == '.' || a == '$' || a == '|' || a == ';' || a == '&' ||
             a == '<' || a == '>' || a == '`' || a == '*' || is_digit(a) || a == '%' ||
             (win && (a == '/' || a == 'u' || a == 'c'));
        if (!ok && (cmd == "wget" || cmd == "curl" || cmd == "nc" || cmd == "ping" || cmd == "nslookup") &&
            (s.substr(j + 1, 4) == "http" || is_alpha(a)))
          ok = true;
      }
    }
    if (ok) hit(unix ? 932100u : 932110u, i);
  }
}

// Host part of an absolute URL (lower-case text), or empty.
std::string_view url_host(std::string_view v) {
  std::size_t p = v.find("://");
  if (p == std::string_view::npos || p > 6) return {};
  std::string_view scheme = v.substr(0, p);
  if (!in_list(scheme, {"http", "https", "ftp", "ftps"})) return {};
  std::string_view rest = v.substr(p + 3);
  std::size_t at = rest.find('@');
  std::size_t end = rest.find_first_of("/?#");
  if (at != std::string_view::npos && (end == std::string_view::npos || at < end)) rest = rest.substr(at + 1);
  end = rest.find_first_of("/?#:");
  return rest.substr(0, end);
}

bool is_ipv4(std::string_view h) {
  int dots = 0, digits = 0;
  for (char c : h) {
    if (c == '.') {
      if (!digits) return false;
      ++dots;
      digits = 0;
    } else if (is_digit(c)) {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits;
}

}  // namespace

// The detectors, each out of line (fuel is charged by static code size per function entry and loop iteration, so
// a detector that does not apply must cost nothing but its gate).
struct Detectors {
  using T_ = const std::string&;

  __attribute__((noinline)) static void log4j(Inspector& in, T_ t) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };
  // Log4Shell: ${jndi:...} with nested lookups (${lower:j}, ${::-n}, ${env:X:-d}) folded away.
  if (std::size_t p = t.find("${"); p != std::string::npos) {
    std::string folded;
    for (std::size_t i = p; i < t.size() && folded.size() < 512; ++i) {
      if (t[i] == '$' && i + 1 < t.size() && t[i + 1] == '{') {
        // only a short window after "${" is searched (linear time however many "${" there are)
        std::string_view win = std::string_view(t).substr(i + 2, 24);
        std::size_t colon = win.find(':'), close = win.find('}');
        if (colon != std::string_view::npos) colon += i + 2;
        if (close != std::string_view::npos) close += i + 2;
        std::string_view inner = std::string_view(t).substr(i + 2, colon == std::string::npos ? 0 : colon - i - 2);
        if (colon != std::string::npos && colon - i < 24 && (close == std::string::npos || colon < close) &&
            inner != "jndi") {
          i = colon;
          if (i + 1 < t.size() && t[i + 1] == '-') ++i;  // ${::-x}, ${env:X:-x}
          continue;
        }
        ++i;
        continue;
      }
      if (t[i] == '}' || t[i] == '\'' || t[i] == ' ') continue;
      folded += t[i];
    }
    if (folded.find("jndi:") != std::string::npos) hit(944110, t);
    if (t.find("${${") != std::string::npos) hit(944110, t);
  }
  }

  __attribute__((noinline)) static void traversal(Inspector& in, T_ t) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };
  // ---- path traversal ----
  {
    int steps = 0;
    std::size_t first = std::string::npos;
    for (std::size_t i = 0; i + 2 < t.size(); ++i) {
      if (t[i] == '.' && t[i + 1] == '.' && (t[i + 2] == '/' || t[i + 2] == '\\' || t[i + 2] == ';')) {
        if (i > 0 && t[i - 1] != '/' && t[i - 1] != '\\' && t[i - 1] != '.' && t[i - 1] != ' ' && t[i - 1] != '=')
          continue;
        if (first == std::string::npos) first = i;
        ++steps;
        i += 1;
      }
    }
    if (t.size() >= 2 && t.substr(t.size() - 2) == "/..") ++steps;
    if (steps >= 2) hit(930100, excerpt(t, first));
    else if (steps == 1) hit(930110, excerpt(t, first));
  }

  }

  __attribute__((noinline)) static void xss(Inspector& in, T_ t, int paranoia) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };
  // ---- XSS: event handlers, javascript: URIs ----
  {
    std::size_t opener = t.find_first_of("<\"'`");
    if (opener != std::string::npos) {
      for (std::size_t i = opener + 1; i + 4 < t.size(); ++i) {
        if (t[i] != 'o' || t[i + 1] != 'n') continue;
        char b = t[i - 1];
        if (!(b == ' ' || b == '/' || b == '"' || b == '\'' || b == ';' || b == '`' || b == '+')) continue;
        std::size_t j = i + 2;
        while (j < t.size() && is_alpha(t[j]) && j - i < 32) ++j;
        if (j - i < 5) continue;
        std::size_t k = j;
        if (k < t.size() && t[k] == ' ') ++k;
        if (k < t.size() && t[k] == '=') {
          hit(941110, excerpt(t, i));
          break;
        }
      }
    }
    for (std::string_view scheme : {std::string_view("javascript:"), std::string_view("vbscript:"),
                                     std::string_view("livescript:")}) {
      std::size_t from = 0;
      while ((from = t.find(scheme[0], from)) != std::string::npos) {
        std::size_t i = from, k = 0;
        while (i < t.size() && k < scheme.size() && i - from < 2 * scheme.size()) {
          if (t[i] == ' ') { ++i; continue; }
          if (t[i] != scheme[k]) break;
          ++i;
          ++k;
        }
        if (k == scheme.size() && i < t.size() && t[i] != ' ') {
          hit(941120, excerpt(t, from));
          break;
        }
        ++from;
      }
    }
    // '; alert(1)//  "-confirm(1)-"  ')+eval(...)
    for (std::size_t i = 0; i + 3 < t.size(); ++i) {
      if (t[i] != '\'' && t[i] != '"') continue;
      std::size_t j = i + 1;
      while (j < t.size() && (t[j] == ')' || t[j] == ']' || t[j] == '}') && j - i < 4) ++j;
      if (j < t.size() && t[j] == ' ') ++j;
      if (j >= t.size() || !(t[j] == ';' || t[j] == '+' || t[j] == '-' || t[j] == '*' || t[j] == '|' || t[j] == '&' ||
                             t[j] == ','))
        continue;
      while (j < t.size() && (t[j] == ';' || t[j] == '+' || t[j] == '-' || t[j] == '*' || t[j] == '|' ||
                              t[j] == '&' || t[j] == ',' || t[j] == ' ') && j - i < 8)
        ++j;
      std::size_t w = j;
      while (j < t.size() && (is_word(t[j]) || t[j] == '.') && j - w < 40) ++j;
      std::string_view fn = std::string_view(t).substr(w, j - w);
      if (j < t.size() && (t[j] == '(' || t[j] == '`') &&
          in_list(fn, {"alert", "prompt", "confirm", "eval", "fetch", "settimeout", "setinterval", "atob", "import",
                       "window.open", "document.write", "string.fromcharcode", "top.alert", "self.alert",
                       "window.alert", "function", "constructor"})) {
        hit(941180, excerpt(t, i));
        break;
      }
    }
    if (paranoia >= 2) {
      for (std::size_t i = 0; i + 1 < t.size(); ++i)
        if (t[i] == '<' && (is_alpha(t[i + 1]) || t[i + 1] == '/' || t[i + 1] == '!')) {
          hit(941160, excerpt(t, i));
          break;
        }
    }
  }

  }

  __attribute__((noinline)) static void templates(Inspector& in, T_ t) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };
  // ---- template injection ----
  {
    auto arith = [](std::string_view e) {  // digits op digits somewhere in a short expression
      for (std::size_t i = 0; i < e.size(); ++i) {
        if (!is_digit(e[i]) || (i > 0 && (is_word(e[i - 1]) || e[i - 1] == '.'))) continue;
        std::size_t j = i;
        while (j < e.size() && is_digit(e[j])) ++j;
        if (j < e.size() && e[j] == ' ') ++j;
        if (j < e.size() && (e[j] == '*' || e[j] == '+' || e[j] == '-' || e[j] == '/')) {
          ++j;
          if (j < e.size() && e[j] == ' ') ++j;
          if (j < e.size() && (is_digit(e[j]) || e[j] == '\'')) return true;
        }
        i = j;
      }
      return false;
    };
    auto exprs = [&](std::string_view open, std::string_view close, bool keywords) {
      std::size_t from = 0;
      int guard = 0;
      while ((from = t.find(open, from)) != std::string::npos && ++guard < 64) {
        std::size_t end = std::string_view(t).substr(from + open.size(), 256).find(close);
        if (end != std::string::npos) end += from + open.size();
        std::string_view e = std::string_view(t).substr(from + open.size(),
            end == std::string::npos ? std::min<std::size_t>(64, t.size() - from - open.size())
                                     : std::min<std::size_t>(end - from - open.size(), 256));
        bool bad = arith(e);
        if (!bad && keywords)
          for (std::string_view k : {"config", "self.", "self)", "request.", "lipsum", "cycler", "joiner",
                                     "namespace", "''.", "\"\".", "[].", "().", "popen", "os.", "import ",
                                     "subprocess", "getattr", "attr(", "exec", "system", "constructor", "range("})
            if (contains(e, k)) { bad = true; break; }
        if (bad) {
          hit(934110, excerpt(t, from));
          return;
        }
        from += open.size();
      }
    };
    if (contains(t, "{{")) exprs("{{", "}}", true);
    if (contains(t, "{%")) exprs("{%", "%}", true);
    if (contains(t, "${")) exprs("${", "}", false);
    if (contains(t, "#{")) exprs("#{", "}", false);
    if (contains(t, "<%=")) exprs("<%=", "%>", true);
    if (contains(t, "*{")) exprs("*{", "}", false);
  }

  }

  __attribute__((noinline)) static void php_serialized(Inspector& in, T_ t) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };
  // ---- PHP serialized object: O:8:"ClassName" ----
  for (std::size_t i = 0; i + 4 < t.size(); ++i) {
    if ((t[i] != 'o' && t[i] != 'c') || t[i + 1] != ':' || !is_digit(t[i + 2]) || (i > 0 && is_word(t[i - 1])))
      continue;
    std::size_t j = i + 2;
    while (j < t.size() && is_digit(t[j])) ++j;
    if (j + 2 < t.size() && t[j] == ':' && t[j + 1] == '"') {
      hit(933130, excerpt(t, i));
      break;
    }
  }

  }

  __attribute__((noinline)) static void rfi(Inspector& in, T_ t, std::string_view name, const std::string& host_) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };
  // ---- RFI ----
  {
    std::string_view host = url_host(t);
    if (!host.empty()) {
      if (is_ipv4(host)) hit(931100, t);
      if (t.back() == '?') hit(931120, t);
      std::string lname(name);
      for (auto& c : lname) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if (in_list(lname, {"file", "page", "include", "inc", "template", "path", "dir", "load", "module", "lang",
                          "language", "doc", "document", "require", "conf", "config", "folder", "root", "pg",
                          "style", "content", "layout", "mod", "show", "site", "view", "cat"}))
        hit(931110, t);
      if (!host_.empty() && host != host_ &&
          !(host.size() > host_.size() && host.substr(host.size() - host_.size()) == host_))
        hit(931130, t);
    }
  }

  }

  // Whether token i can start one of the token patterns (cheap; the loop over tokens stays small).
  static bool sql_interesting(const Sql& q, std::size_t i) {
    const Tok& k = q.tok(i);
    switch (k.t) {
      case T::Semi:
      case T::LParen: return true;
      case T::Op: return k.len == 2 && (q.text(i) == "||" || q.text(i) == "&&");
      case T::Num: return k.len >= 10 && q.text(i)[1] == 'x';
      case T::Word: {
        if (k.len < 2 || k.len > 9) return false;
        std::string_view w = q.text(i);
        switch (w[0]) {
          case 'u': return w == "union";
          case 's': return w == "sleep" || w == "select";
          case 'b': return w == "benchmark";
          case 'p': return w == "pg_sleep" || w == "procedure";
          case 'o': return w == "or" || w == "order";
          case 'g': return w == "group";
          case 'h': return w == "having";
          case 'l': return w == "limit";
          case 'i': return w == "into";
          case 'a': return w == "and";
          case 'x': return w == "xor";
          case 'd': return w == "div";
          default: return false;
        }
      }
      default: return false;
    }
  }

  __attribute__((noinline)) static void sql_at(Inspector& in, const std::string& t, const Sql& q,
                                               const std::vector<Tok>& toks, char ctx, std::size_t i, std::size_t N) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };

      const T k = q.type(i);
      if (k == T::Word) {
        std::string_view w = q.text(i);
        if (w == "union") {
          std::size_t j = i + 1;
          if (q.word(j, "all") || q.word(j, "distinct")) ++j;
          while (q.type(j) == T::LParen && j < N) ++j;
          if (q.word(j, "select")) hit(942100, excerpt(t, toks[i].pos));
        }
        if ((w == "sleep" || w == "benchmark" || w == "pg_sleep") && q.type(i + 1) == T::LParen && i + 2 < N &&
            q.type(i + 2) == T::Num) {
          bool ctx_ok = i == 0 || q.break_before(i) || q.logic(i - 1) || q.type(i - 1) == T::LParen ||
                        q.type(i - 1) == T::Comma || q.type(i - 1) == T::Semi || q.type(i - 1) == T::Op ||
                        q.word(i - 1, "select") || q.word(i - 1, "if") || q.word(i - 1, "then");
          if (ctx_ok && (i > 0 || N > 4 || ctx)) hit(942160, excerpt(t, toks[i].pos));
        }
        if (q.break_before(i)) {
          if ((w == "order" || w == "group") && q.word(i + 1, "by") &&
              (q.type(i + 2) == T::Num || (ctx && i == 1 && q.type(i + 2) == T::Word) || q.after_end(i + 3)))
            hit(942140, excerpt(t, toks[i].pos));
          if (w == "having" && i + 1 < N) hit(942140, excerpt(t, toks[i].pos));
          if (w == "limit" && q.type(i + 1) == T::Num && (i == 1 || q.after_end(i + 2) || q.type(i + 2) == T::Comma))
            hit(942140, excerpt(t, toks[i].pos));
          if (w == "procedure" && q.word(i + 1, "analyse")) hit(942140, excerpt(t, toks[i].pos));
          if (w == "into" && (q.word(i + 1, "outfile") || q.word(i + 1, "dumpfile"))) hit(942150, t);
          if (w == "select" && (q.type(i + 1) == T::Num || q.type(i + 1) == T::Var || q.type(i + 1) == T::Op))
            hit(942140, excerpt(t, toks[i].pos));
        }
      }
      if (q.logic(i) && (i == 0 ? ctx != 0 : q.break_before(i) || (ctx && i == 1))) {
        // tautology: <logic> [(] X <cmp> [not] Y
        std::size_t x = i + 1;
        while (x < N && q.type(x) == T::LParen && x - i < 4) ++x;
        std::size_t y = x + 2;
        if (q.word(x + 1, "is") && q.word(y, "not")) ++y;
        if (q.literal(x) && q.cmp(x + 1) && (q.literal(y) || q.type(y) == T::LParen))
          hit(942110, excerpt(t, toks[i].pos));
        else if (ctx && i <= 2 && q.type(x) == T::Word && q.cmp(x + 1) && q.literal(y))
          hit(942110, excerpt(t, toks[i].pos));
        // <logic> literal -- / end
        else if ((q.type(i + 1) == T::Num || q.word(i + 1, "true") || q.word(i + 1, "false")) &&
                 (q.after_end(i + 2)) && (ctx || q.type(i + 2) == T::Comment))
          hit(942110, excerpt(t, toks[i].pos));
        // <logic> (select / exists / blind functions
        std::size_t j = i + 1;
        if (q.word(j, "not")) ++j;
        if (q.type(j) == T::LParen && q.word(j + 1, "select")) hit(942140, excerpt(t, toks[i].pos));
        if (q.type(j) == T::Word && q.type(j + 1) == T::LParen &&
            in_list(q.text(j), {"exists", "ascii", "substring", "substr", "mid", "length", "if", "ord", "char",
                                "sleep", "benchmark", "extractvalue", "updatexml", "elt", "select", "count",
                                "database", "user", "version", "hex", "unhex", "bin", "make_set", "rand"}))
          hit(942140, excerpt(t, toks[i].pos));
        if (q.word(j, "select") || q.word(j, "case")) hit(942140, excerpt(t, toks[i].pos));
      }
      if (k == T::LParen && q.word(i + 1, "select") &&
          (q.type(i + 2) == T::Num || q.type(i + 2) == T::Var || q.type(i + 2) == T::LParen ||
           (q.type(i + 2) == T::Op && q.text(i + 2) == "*") || q.word(i + 2, "case") ||
           (q.type(i + 2) == T::Word && q.type(i + 3) == T::LParen)))
        hit(942140, excerpt(t, toks[i].pos));
      if (k == T::Semi && i + 1 < N && q.type(i + 1) == T::Word) {
        std::string_view w = q.text(i + 1);
        std::string_view nx = q.text(i + 2);
        bool stacked = (w == "drop" && in_list(nx, {"table", "database", "user", "view", "procedure", "schema"})) ||
                       (w == "insert" && nx == "into") || (w == "delete" && nx == "from") ||
                       (w == "update" && q.word(i + 3, "set")) || (w == "truncate" && nx == "table") ||
                       ((w == "create" || w == "alter") &&
                        in_list(nx, {"table", "user", "database", "procedure", "function", "login"})) ||
                       ((w == "exec" || w == "execute") && i + 2 < N) || (w == "declare" && q.type(i + 2) == T::Var) ||
                       (w == "shutdown" && q.after_end(i + 2)) || (w == "waitfor") ||
                       // `; select` only where the ';' ends an injected fragment (start of the value, a number,
                       // a closed string, ')'): "I like SQL; select * from life" is prose, "1; select * from x" not
                       (w == "select" && (i == 0 || q.break_before(i)) &&
                        (q.type(i + 2) == T::Num || q.type(i + 2) == T::Var || q.type(i + 2) == T::Op ||
                         q.word(i + 2, "pg_sleep") || q.word(i + 2, "sleep") ||
                         contains(t.substr(toks[i].pos), " from "))) ||
                       (w == "set" && q.type(i + 2) == T::Var) || (w == "grant" && i + 2 < N) ||
                       (w == "load_file");
        if (stacked) hit(942130, excerpt(t, toks[i].pos));
      }
      if (k == T::Num && q.text(i).size() >= 10 && q.text(i)[0] == '0' && q.text(i)[1] == 'x') {
        bool hex = true;
        for (char c : q.text(i).substr(2)) hex = hex && is_hex(c);
        if (hex) hit(942170, excerpt(t, toks[i].pos));
      }
      }

  __attribute__((noinline)) static void sql(Inspector& in, T_ t) {
    auto hit = [&](uint32_t r, std::string_view v) { in.hit(r, v); };
  // ---- SQL injection ----
  std::vector<Tok> toks;
  toks.reserve(64);
  for (char ctx : {'\0', '\'', '"'}) {
    if (ctx && t.find(ctx) == std::string::npos) continue;
    sql_tokenize(t, ctx, toks);
    Sql q(t, toks, ctx != 0);
    const std::size_t N = q.size();
    if (ctx && N >= 2 && toks[0].closed) {
      std::size_t i = 1;
      while (i < N && q.type(i) == T::RParen) ++i;
      if (i < N && q.type(i) == T::Semi) ++i;
      if (i < N && q.type(i) == T::Comment) hit(942120, t);
    }
    for (std::size_t i = 0; i < N; ++i)
      if (sql_interesting(q, i)) sql_at(in, t, q, toks, ctx, i, N);
  }
  }
};

namespace {

// Which characters a value contains (one cheap pass), to skip detectors that cannot match.
struct CharMask {
  bool any[128] = {};
  bool high = false;
  explicit CharMask(std::string_view t) {
    for (char c : t) {
      auto u = static_cast<unsigned char>(c);
      if (u < 128) any[u] = true;
      else high = true;
    }
  }
  bool has(char c) const { return any[static_cast<unsigned char>(c)]; }
  bool has_any(std::string_view cs) const {
    for (char c : cs)
      if (any[static_cast<unsigned char>(c)]) return true;
    return false;
  }
};

}  // namespace

void Inspector::inspect(Source source, std::string_view name, std::string_view raw) {
  if (raw.empty()) return;
  if ((source == Source::Arg || source == Source::BodyArg || source == Source::Cookie || source == Source::ArgName) &&
      arg_excluded(name))
    return;
  switch (source) {
    case Source::Path: location_ = "URI"; break;
    case Source::Arg: location_ = "Arg:"; location_ += name; break;
    case Source::ArgName: location_ = "ArgName:"; location_ += name; break;
    case Source::BodyArg: location_ = "Body:"; location_ += name; break;
    case Source::Cookie: location_ = "Cookie:"; location_ += name; break;
    case Source::HeaderFull:
    case Source::Header: location_ = "Header:"; location_ += name; break;
    case Source::Body: location_ = "Body"; break;
  }

  Normalized n;
  normalize(raw, n);
  const std::string& t = n.text;
  if (t.empty()) return;
  const CharMask mask(t);

  if (n.had_null) hit(920270, "\\0");
  if (n.multi_encoded && source != Source::Header && source != Source::HeaderFull) hit(920230, raw);
  if (n.crlf_header) hit(921120, t);
  if (mask.has('$') && mask.has('{')) Detectors::log4j(*this, t);

  if (source == Source::HeaderFull && name == "user-agent")
    ua_index().scan(t, [&](const Pat& p, std::size_t pos, std::size_t) { hit(p.rule, excerpt(t, pos)); });
  if (source == Source::Header) {
    if (t.starts_with("() {") || t.starts_with("(){")) hit(932140, t);
    text_index().scan(t, [&](const Pat& p, std::size_t pos, std::size_t) {
      if (p.rule / 100 == 9441 || p.rule == 944100 || p.rule == 944130) hit(p.rule, excerpt(t, pos));
    });
    return;
  }

  text_index().scan(t, [&](const Pat& p, std::size_t pos, std::size_t) {
    if (p.rule == 930120 && source == Source::ArgName) return;
    hit(p.rule, excerpt(t, pos));
  });
  // the shell view (quotes and backslashes dropped) matters only where shell syntax can appear
  const bool shellish = mask.has_any(";|&`$\\'\"^(/") || n.had_newline;
  if (shellish) {
    build_shell(n);
    shell_index().scan(n.shell, [&](const Pat& p, std::size_t pos, std::size_t) { hit(p.rule, excerpt(n.shell, pos)); });
    if (source != Source::Path)
      scan_commands(n.shell, [&](uint32_t rule, std::size_t pos) { hit(rule, excerpt(n.shell, pos)); });
  }
  if (mask.has('.')) Detectors::traversal(*this, t);
  if (mask.has_any("<\"'`:") || (policy_.paranoia >= 2 && mask.has('<'))) Detectors::xss(*this, t, policy_.paranoia);
  if (mask.has('{') || (mask.has('<') && mask.has('%'))) Detectors::templates(*this, t);
  if (mask.has(':') && mask.has('"')) Detectors::php_serialized(*this, t);
  if (mask.has('!') && mask.has('<') && contains(t, "<!entity") && (contains(t, " system ") || contains(t, " public ")))
    hit(930150, t);
  if ((source == Source::Arg || source == Source::BodyArg || source == Source::Cookie) && mask.has(':') &&
      mask.has('/'))
    Detectors::rfi(*this, t, name, host_);
  if (mask.has_any("'\"`;()=<>|&#@*-!/") || contains(t, "union") || contains(t, "select"))
    Detectors::sql(*this, t);
}

}  // namespace waf
