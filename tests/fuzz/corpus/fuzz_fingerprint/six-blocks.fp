{"format":"coinjecture-fingerprint/1","node":"tiny","source":"tiny.ndjson","tool":"forensics 0.1.0"}
{"h":0,"b":"6e925cdc036cebcc63293ba44b8737eec9a7e7f541a922d4364abbf79a3b113a","r":"77bcad36f5fc38e56045f8de63754c5c667c8d8705cac6067c6efd0ec0a3ad62","v":"verified","s":true}
{"h":1,"b":"9d9b6548e6bd08e52cac1f6b857b62807844b814e153c07dff3499b93a817b73","r":"f0135d8ff5c275284bce50fcf08da39a57e50132c5a516e515c391a86dad47ae","v":"verified","s":true}
{"h":2,"b":"de07abb6e4efc64f10149b1144ef0c9a0d2f86a28f9d5648dc563f391e99fb36","r":"c41f357bd43d4bcb67a3e1c2f1b656eef21638f000a22bef45092bcc5dcdb68f","v":"verified","s":true}
{"h":3,"b":"542876e349796e44e3d9f5f82c6cfd813d65b4eb8ff56d07b8ba136a969f1e03","r":"d381b70e257e58197d363c0513baa99e12a533d19a2fbb01b358805ca8bbe150","v":"verified","s":true}
{"h":4,"b":"c4d4f6d3a9a6f620f4be5f256c623919fe2b09e2b0f6b73c6f2c9de387d8f35d","r":"18dac8b81dac24531b50f65347642f96937ceb407737a34205caa9fa6de8389a","v":"violation","c":["state-change-mismatch","inflation-detected","state-root-mismatch"]}
{"h":5,"b":"c188263cfdcf2ec95b2595960b3bbd9a56d6b146dea9a5d8623053adfbe20c58","r":"b6c2a52c70f2ccb81134078c7ad99aa2bc9ef6f88dad9be1cc31b5834400f444","v":"violation","c":["state-root-mismatch"]}
{"end":{"blocks":6,"tip_height":5,"tip_hash":"c188263cfdcf2ec95b2595960b3bbd9a56d6b146dea9a5d8623053adfbe20c58","profile":"neta","signatures_checked":false,"verdict":"violation","scope":"block(s) 0..5 replayed from genesis","partial":false,"stopped_reason":"","sha256":"827b58f517bd0e44d5e64a853e1d3089e9a736b3e9635553636aa32c929a3b1d"}}
