def w15_ui(bench):
    raise NotImplementedError
