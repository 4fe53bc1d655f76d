print("xml-bench")
