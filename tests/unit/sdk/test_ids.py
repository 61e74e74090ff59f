from lambda_durable.runtime.ids import operation_id


def test_root_ids_match_the_protocol_worked_values() -> None:
    assert operation_id(None, 1) == "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97"
    assert operation_id(None, 2) == "c5faca15ac2f93578b39ef4b6bbb871bdedce4ddd584fd31f0bb66fade3947e6"


def test_child_ids_hash_the_parent_prefix() -> None:
    parent = operation_id(None, 1)
    assert operation_id(parent, 1) == "974bfc6321e227b0ff101342eaf19b336f002dc6cc99c18f0941a7755cc20fc4"


def test_ids_fit_the_service_pattern() -> None:
    for n in range(1, 50):
        op = operation_id("abc", n)
        assert len(op) == 64 and all(c in "0123456789abcdef" for c in op)
