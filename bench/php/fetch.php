<?php
// fetch workload: call a small JSON API on loopback, answer one field.
// PHP 8.2 has no curl handle that outlives a request (persistent curl
// share handles came in PHP 8.5), so each request connects anew; the
// handle is reused within it.
$ch = curl_init('http://127.0.0.1:18088/item');
curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
curl_setopt($ch, CURLOPT_TCP_KEEPALIVE, 1);
$body = curl_exec($ch);
header('Content-Type: text/plain');
echo json_decode($body)->name;
