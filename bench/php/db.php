<?php
// db workload: read one row by primary key from a 10,000-row SQLite table
// (a copy of scriptsrv's, made by run.sh) and answer it as JSON; PDO with a
// persistent handle and a prepared statement.
$db = new PDO('sqlite:' . __DIR__ . '/../run/phpdb/php.db', null, null, [PDO::ATTR_PERSISTENT => true]);
$id = isset($_GET['id']) ? (int)$_GET['id'] : mt_rand(1, 10000);
$st = $db->prepare('SELECT id, name, price, qty FROM items WHERE id = ?');
$st->execute([$id]);
header('Content-Type: application/json');
echo json_encode($st->fetch(PDO::FETCH_ASSOC));
