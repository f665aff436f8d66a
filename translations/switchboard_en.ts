<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>AdminError</name>
    <message>
        <source>The admin URL is not valid.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The broker is unreachable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The TLS connection to the broker failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The broker refused the token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The broker answered with HTTP %1%2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The answer was not from a Switchboard admin API.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>%1 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LogLine</name>
    <message>
        <source>trace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>debug</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>critical</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MetricWindow</name>
    <message>
        <source>1 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>15 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>24 h</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SqliteConnection</name>
    <message>
        <source>Cannot create the folder of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Qt SQLite driver is missing (Debian: libqt6sql6-sqlite).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 was written by a newer Switchboard (schema %2, this one knows %3).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TlsConfiguration</name>
    <message>
        <source>Cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 holds no PEM certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 holds no unencrypted PEM private key</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Switchboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switchboard: MQTT broker console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save a picture of the window to &lt;file&gt; and quit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seconds to wait before --screenshot (default 5).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>seconds</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::app::AdminClient</name>
    <message>
        <source>No stats frame for %1 s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expected http://host:port or https://host:port, got &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 did not answer a JSON object.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The overview lacks or mistypes: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A stats frame lacks or mistypes: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The broker closed the stats stream.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The broker refused the stats stream: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::app::BrokerConnection</name>
    <message>
        <source>Disconnected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unreachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::app::ConnectionProfileStore</name>
    <message>
        <source>The profile needs a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The profile needs an admin URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A broker named &quot;%1&quot; exists already.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The profile was removed meanwhile.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no such profile.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The keychain has no token for this broker.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::app::Console</name>
    <message>
        <source>Local broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Metric history unavailable (%1): %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved brokers unavailable (%1): %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed to start: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::app::LogModel</name>
    <message numerus="yes">
        <source>%n log line(s) dropped while the console was busy</source>
        <translation>
            <numerusform>%n log line dropped while the console was busy</numerusform>
            <numerusform>%n log lines dropped while the console was busy</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>sb::ui::LogPane</name>
    <message>
        <source>%1 and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::ui::MainWindow</name>
    <message>
        <source>Local broker log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switchboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New Remote Broker…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a remote broker (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit Broker…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+E</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove Broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Start Local Broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+Shift+R</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+,</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+L</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+Q</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Switchboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Switchboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;Switchboard %1&lt;/h3&gt;&lt;p&gt;An MQTT 3.1.1 and 5.0 broker and its console.&lt;/p&gt;&lt;p&gt;The Local broker runs inside this window; remote brokers are reached through their admin API.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Stop Local Broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(next attempt in %1 s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switchboard %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MQTT on 127.0.0.1:%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MQTT on 127.0.0.1:%1 (port %2 was taken)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token kept in the profile database (no keychain)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove &quot;%1&quot; and its metric history? The broker itself is not affected.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::ui::MetricTile</name>
    <message>
        <source>No data yet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::ui::OverviewPage</name>
    <message>
        <source>Window:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the last %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages in/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages out/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dead letters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message rates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>msg/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue depth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delivery latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p50</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p99</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No broker selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No data yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n MQTT client(s)</source>
        <translation>
            <numerusform>%n MQTT client</numerusform>
            <numerusform>%n MQTT clients</numerusform>
        </translation>
    </message>
    <message>
        <source>%1/s received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1/s sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 in flight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1/s now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>per second (store total not reported)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>of one core</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>resident</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not reported</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switchboard %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>up %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>durability %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n worker(s)</source>
        <translation>
            <numerusform>%n worker</numerusform>
            <numerusform>%n workers</numerusform>
        </translation>
    </message>
    <message>
        <source>Next attempt in %1 s.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::ui::ProfileDialog</name>
    <message>
        <source>Ignore TLS certificate errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New remote broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit remote broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Production</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>switchboard-broker --print-admin-token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show or hide the token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin URL:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TLS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CA certificates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CA file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client certificate:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the token…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PEM file (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PEM files (*.pem *.crt *.key);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning: any certificate will be accepted, so anyone between you and the broker can read the token and everything you do. Use this only for a test broker with a self-signed certificate; for anything else, give its CA file instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The token is kept in the system keychain.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Looking for the system keychain…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No system keychain is available: the token is kept in the profile database in your configuration folder, readable by anyone who can read your files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Connected: Switchboard %1, %n connection(s).</source>
        <translation>
            <numerusform>Connected: Switchboard %1, %n connection.</numerusform>
            <numerusform>Connected: Switchboard %1, %n connections.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>sb::ui::SettingsDialog</name>
    <message>
        <source>Start the Local broker when the console starts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If this port is taken, the next free one is used and shown.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any free port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sync — acknowledge after the commit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>async — acknowledge at once, commit shortly after</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>memory — keep nothing on disk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One per core</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Local broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MQTT port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin API port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Durability:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker threads:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data folder of the Local broker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing acknowledged is lost in a crash; each acknowledgement waits for a (grouped) disk write.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fast; a crash may lose the last 100 ms of acknowledged messages. A good default for development.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sessions, queues and retained messages are gone when the broker stops.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running on port %1 (port %2 was taken).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running on port %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed to start: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>sb::ui::TimeSeriesChart</name>
    <message>
        <source>No data yet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
