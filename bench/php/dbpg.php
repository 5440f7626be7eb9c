<?php
// db-pg workload: db.php on Postgres (run.sh's, on port 18091), with a
// persistent PDO connection per php-fpm worker.
$db = new PDO('pgsql:host=127.0.0.1;port=18091;dbname=bench', 'postgres', null, [PDO::ATTR_PERSISTENT => true]);
$id = isset($_GET['id']) ? (int)$_GET['id'] : mt_rand(1, 10000);
$st = $db->prepare('SELECT id, name, price, qty FROM items WHERE id = ?');
$st->execute([$id]);
header('Content-Type: application/json');
echo json_encode($st->fetch(PDO::FETCH_ASSOC));
